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

  it("200 concurrent holds of 10 against 1000 credits: exactly 100 succeed and none overdraws", async () => {
    const db = await backend.database();
    const ledger = await db.ledger({ batching: {} });
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
