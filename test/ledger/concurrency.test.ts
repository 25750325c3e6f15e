import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SwitchyardError } from "../../src/core/errors.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { runLedgerLoad } from "../../src/ledger/load.js";
import type { HoldRequest } from "../../src/ledger/types.js";
import { BACKENDS, startBackends, type TestBackend } from "./backends.js";

const started = startBackends();

function holdOf(accountId: string, jobId: string, amount: number, holdTtlMs = 60_000): HoldRequest {
  return { jobId, accountId, amount, capability: "echo", chunks: 1, routerId: "r1", holdTtlMs };
}

async function expectConsistent(ledger: Ledger): Promise<void> {
  const audit = await ledger.auditConservation();
  expect(audit.ok).toBe(true);
  expect(await ledger.jobTransactionSums()).toEqual([]);
  expect(await ledger.accountTransactionSums()).toEqual([]);
}

describe.each(BACKENDS)("ledger under concurrency on %s", (name) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await started(name);
  });
  afterEach(() => backend.cleanup());
  afterAll(() => backend.stop());

  it.each([
    ["grouped holds", {}],
    ["one statement per hold", { holdBatching: false as const }],
  ])(
    "200 concurrent holds of 10 against 1000 credits (%s): exactly 100 succeed and none overdraws",
    async (_, holdOptions) => {
      const db = await backend.database();
      const ledger = await db.ledger({ batching: {}, ...holdOptions });
      const client = await ledger.createAccount({ name: "client" });
      const operator = await ledger.createAccount({ name: "operator" });

      let watching = true;
      const seen: number[] = [];
      const watcher = (async () => {
        while (watching) seen.push((await ledger.balance(client.accountId)).balance);
      })();
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) => ledger.hold(holdOf(client.accountId, `job-${i}`, 10))),
      );
      watching = false;
      await watcher;

      const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [`job-${i}`] : []));
      const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
      expect(won).toHaveLength(100);
      expect(refused).toHaveLength(100);
      for (const err of refused) expect((err as SwitchyardError).code).toBe("insufficient_credits");
      expect(seen.length).toBeGreaterThan(0);
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
      expect(await ledger.balance(client.accountId)).toEqual({
        balance: 0,
        held: 1000,
        earned: 0,
        spent: 1000,
      });

      const reward = (jobId: string) => ({
        jobId,
        outcome: "succeeded" as const,
        rewards: [{ operatorAccountId: operator.accountId, nodeName: "n1", amount: 10 }],
      });
      const settled = await Promise.all(won.map((jobId) => ledger.settle(reward(jobId))));
      expect(settled.every((s) => s.settled && s.rewarded === 10 && s.refunded === 0)).toBe(true);
      expect(await ledger.balance(operator.accountId)).toEqual({
        balance: 2000,
        held: 0,
        earned: 1000,
        spent: 0,
      });
      expect(await ledger.balance(client.accountId)).toEqual({ balance: 0, held: 0, earned: 0, spent: 1000 });
      expect(await ledger.nodes(operator.accountId)).toMatchObject([
        { name: "n1", tasks: 100, creditsEarned: 1000 },
      ]);
      await expectConsistent(ledger);
    },
  );

  /** A ledger whose hold batches wait 20 ms to fill, and the sizes of the batches it writes. */
  async function groupingLedger(): Promise<{ ledger: Ledger; sizes: number[] }> {
    const db = await backend.database();
    const sizes: number[] = [];
    const ledger = await db.ledger({
      holdBatching: { maxBatch: 100, maxDelayMs: 20 },
      observe: (o) => {
        if (o.operation === "hold_batch" && o.count !== undefined) sizes.push(o.count);
      },
    });
    return { ledger, sizes };
  }

  it("decides every hold of one group commit on its own, against what the holds before it left", async () => {
    const { ledger, sizes } = await groupingLedger();
    const a = await ledger.createAccount({ name: "a" });
    const b = await ledger.createAccount({ name: "b" });
    const suspended = await ledger.createAccount({ name: "suspended" });
    await ledger.setAccountSuspended(suspended.accountId, true);
    await ledger.hold(holdOf(a.accountId, "existing", 100));

    const results = await Promise.allSettled([
      ledger.hold(holdOf(a.accountId, "a-1", 600)),
      ledger.hold(holdOf(a.accountId, "a-2", 400)), // 300 left after a-1: refused
      ledger.hold(holdOf(a.accountId, "a-3", 300)), // fits what is left
      ledger.hold(holdOf(b.accountId, "b-1", 1000)),
      ledger.hold(holdOf(b.accountId, "b-1", 10)), // the same job id twice in one batch
      ledger.hold(holdOf("acct-unknown", "u-1", 10)),
      ledger.hold(holdOf(suspended.accountId, "s-1", 10)),
    ]);
    const outcome = results.map((r) =>
      r.status === "fulfilled" ? r.value.balance : (r.reason as SwitchyardError).code,
    );
    expect(outcome).toEqual([
      300,
      "insufficient_credits",
      0,
      0,
      "invalid_argument",
      "not_found",
      "permission_denied",
    ]);
    expect(sizes).toEqual([1, 7]);
    expect((results[1] as PromiseRejectedResult).reason.message).toContain("the balance is 300");
    expect(await ledger.balance(a.accountId)).toMatchObject({ balance: 0, held: 1000 });
    expect(await ledger.balance(b.accountId)).toMatchObject({ balance: 0, held: 1000 });
    expect(await ledger.balance(suspended.accountId)).toMatchObject({ balance: 1000, held: 0 });
    expect((await ledger.job("a-3")).cost).toBe(300);
    await expect(ledger.job("a-2")).rejects.toMatchObject({ code: "not_found" });
    await expectConsistent(ledger);
  });

  it("a job id that already has a hold fails alone; the rest of its group commit is placed", async () => {
    const { ledger, sizes } = await groupingLedger();
    const client = await ledger.createAccount({ name: "client" });
    await ledger.hold(holdOf(client.accountId, "taken", 10));
    const results = await Promise.allSettled(
      ["j-1", "taken", "j-2"].map((id) => ledger.hold(holdOf(client.accountId, id, 10))),
    );
    expect(sizes).toEqual([1, 3]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: "invalid_argument" });
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 970, held: 30 });
    await expectConsistent(ledger);
  });

  it("two ledger instances holding on one account at once never overdraw it", async () => {
    const db = await backend.database();
    const first = await db.ledger();
    const second = await db.ledger();
    const client = await first.createAccount({ name: "client" });
    const results = await Promise.allSettled(
      Array.from({ length: 120 }, (_, i) =>
        (i % 2 === 0 ? first : second).hold(holdOf(client.accountId, `job-${i}`, 10)),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(100);
    expect(await first.balance(client.accountId)).toMatchObject({ balance: 0, held: 1000 });
    await expectConsistent(first);
  });

  it("two ledger instances settling the same jobs at once have exactly one effect per job", async () => {
    const db = await backend.database();
    const a = await db.ledger({ batching: { maxBatch: 8 } });
    const b = await db.ledger({ batching: { maxBatch: 8 } });
    const client = await a.createAccount({ name: "client" });
    const operator = await a.createAccount({ name: "operator" });
    const jobs = Array.from({ length: 40 }, (_, i) => `job-${i}`);
    for (const jobId of jobs) await a.hold(holdOf(client.accountId, jobId, 20));
    const settle = (ledger: Ledger, jobId: string) =>
      ledger.settle({
        jobId,
        outcome: "succeeded",
        rewards: [{ operatorAccountId: operator.accountId, nodeName: "n", amount: 15 }],
      });
    // Each instance visits the jobs in a different order, so their batches overlap in both directions.
    const results = await Promise.all([
      ...jobs.map((jobId) => settle(a, jobId)),
      ...[...jobs].reverse().map((jobId) => settle(b, jobId)),
      ...jobs.map((jobId) => b.settle({ jobId, outcome: "failed" })),
    ]);
    expect(results.filter((r) => r.settled)).toHaveLength(40);
    const earned = (await a.balance(operator.accountId)).earned;
    const refunds = (await a.transactions(client.accountId, { limit: 500 })).items.filter(
      (t) => t.kind === "refund",
    );
    expect(refunds.length).toBe(40);
    expect(earned + refunds.reduce((sum, t) => sum + t.amount, 0)).toBe(800);
    await expectConsistent(a);
  });

  it("the load workload holds and settles every job and conserves credits", async () => {
    const batches: number[] = [];
    const ledger = await backend.ledger({
      batching: {},
      observe: (o) => {
        if (o.operation === "settle_batch" && o.count !== undefined) batches.push(o.count);
      },
    });
    const result = await runLedgerLoad(ledger, { jobs: 300, concurrency: 32, chunks: 2, clients: 4 });
    expect(result).toMatchObject({ jobs: 300, conserved: true });
    expect(result.jobsPerSecond).toBeGreaterThan(0);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(300);
    // Settlements shared transactions.
    expect(batches.length).toBeLessThan(300);
    await expectConsistent(ledger);
  });

  it("reapers racing each other and late settlements refund every expired hold exactly once", async () => {
    const db = await backend.database();
    const a = await db.ledger();
    const b = await db.ledger({ batching: {} });
    const client = await a.createAccount({ name: "client" });
    const jobs = Array.from({ length: 60 }, (_, i) => `dead-${i}`);
    for (const jobId of jobs) await a.hold(holdOf(client.accountId, jobId, 10, 1));
    const later = Date.now() + 1_000;
    const [countA, countB, ...settles] = await Promise.all([
      a.reapExpiredHolds(later),
      b.reapExpiredHolds(later),
      ...jobs.filter((_, i) => i % 3 === 0).map((jobId) => b.settle({ jobId, outcome: "failed" })),
    ]);
    const settledByCaller = settles.filter((s) => typeof s === "object" && s.settled).length;
    expect((countA as number) + (countB as number) + settledByCaller).toBe(60);
    expect(await a.balance(client.accountId)).toEqual({ balance: 1000, held: 0, earned: 0, spent: 0 });
    expect(
      (await a.transactions(client.accountId, { limit: 500 })).items.filter((t) => t.kind === "refund"),
    ).toHaveLength(60);
    await expectConsistent(a);
  });
});
