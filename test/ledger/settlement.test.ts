import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SwitchyardError } from "../../src/core/errors.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import type { HoldRequest } from "../../src/ledger/types.js";
import { BACKENDS, startBackends, type TestBackend } from "./backends.js";

const started = startBackends();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SwitchyardError) return err.code;
    throw err;
  }
  return "no error";
}

function holdOf(
  accountId: string,
  jobId: string,
  amount: number,
  extra: Partial<HoldRequest> = {},
): HoldRequest {
  return {
    jobId,
    accountId,
    amount,
    capability: "echo",
    chunks: 1,
    routerId: "r1",
    holdTtlMs: 60_000,
    ...extra,
  };
}

async function expectConsistent(ledger: Ledger): Promise<void> {
  expect((await ledger.auditConservation()).ok).toBe(true);
  expect(await ledger.jobTransactionSums()).toEqual([]);
  expect(await ledger.accountTransactionSums()).toEqual([]);
}

describe.each(BACKENDS)("holds and settlement on %s", (name) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await started(name);
  });
  afterEach(() => backend.cleanup());
  afterAll(() => backend.stop());

  it("moves the cost into a hold with the job and a charge, and refuses what it cannot cover", async () => {
    const seen: string[] = [];
    const ledger = await backend.ledger({ observe: (o) => seen.push(`${o.operation}:${o.outcome}`) });
    const { accountId } = await ledger.createAccount({ name: "client" });
    const held = await ledger.hold(holdOf(accountId, "j1", 300, { chunks: 3, capability: "upper" }));
    expect(held.balance).toBe(700);
    expect(await ledger.balance(accountId)).toEqual({ balance: 700, held: 300, earned: 0, spent: 300 });
    expect(await ledger.job("j1")).toMatchObject({
      accountId,
      capability: "upper",
      chunks: 3,
      cost: 300,
      outcome: "running",
      routerId: "r1",
      settledAt: null,
      holdExpiresAt: held.expiresAt,
    });
    expect((await ledger.transactions(accountId)).items[0]).toMatchObject({
      kind: "charge",
      amount: -300,
      jobId: "j1",
    });

    expect(await codeOf(ledger.hold(holdOf(accountId, "j2", 701)))).toBe("insufficient_credits");
    expect(await codeOf(ledger.job("j2"))).toBe("not_found");
    expect(await codeOf(ledger.hold(holdOf(accountId, "j1", 5)))).toBe("invalid_argument");
    for (const amount of [0, -5, 2.5, Number.NaN]) {
      expect(await codeOf(ledger.hold(holdOf(accountId, `bad-${amount}`, amount)))).toBe("invalid_argument");
    }
    expect(await codeOf(ledger.hold(holdOf(accountId, "j3", 10, { chunks: 0 })))).toBe("invalid_argument");
    expect(await codeOf(ledger.hold(holdOf("acc_nope", "j4", 10)))).toBe("not_found");
    await ledger.setAccountSuspended(accountId, true);
    expect(await codeOf(ledger.hold(holdOf(accountId, "j5", 10)))).toBe("permission_denied");
    expect(await ledger.balance(accountId)).toEqual({ balance: 700, held: 300, earned: 0, spent: 300 });
    expect((await ledger.transactions(accountId)).items).toHaveLength(2);
    expect(seen).toEqual(
      expect.arrayContaining([
        "hold:ok",
        "hold:insufficient_credits",
        "hold:permission_denied",
        "hold:not_found",
      ]),
    );
    await expectConsistent(ledger);
  });

  it("pays rewards from the hold, refunds the rest, and a second settle changes nothing", async () => {
    const ledger = await backend.ledger();
    const client = await ledger.createAccount({ name: "client" });
    const operator = await ledger.createAccount({ name: "operator" });
    await ledger.hold(holdOf(client.accountId, "job", 30, { chunks: 3 }));
    const rewards = [
      { operatorAccountId: operator.accountId, nodeName: "n1", amount: 10 },
      { operatorAccountId: operator.accountId, nodeName: "n2", amount: 10 },
    ];
    const first = await ledger.settle({ jobId: "job", outcome: "succeeded", rewards, durationMs: 41.6 });
    expect(first).toEqual({ settled: true, rewarded: 20, refunded: 10 });
    expect(await ledger.balance(client.accountId)).toEqual({ balance: 980, held: 0, earned: 0, spent: 20 });
    expect(await ledger.balance(operator.accountId)).toEqual({
      balance: 1020,
      held: 0,
      earned: 20,
      spent: 0,
    });
    expect(await ledger.job("job")).toMatchObject({
      outcome: "succeeded",
      durationMs: 42,
      settledAt: expect.any(Number),
    });
    expect(await ledger.nodes(operator.accountId)).toMatchObject([
      { name: "n1", tasks: 1, creditsEarned: 10 },
      { name: "n2", tasks: 1, creditsEarned: 10 },
    ]);

    const again = await ledger.settle({ jobId: "job", outcome: "failed", rewards, durationMs: 1 });
    expect(again).toEqual({ settled: false, rewarded: 0, refunded: 0 });
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 980 });
    expect(await ledger.balance(operator.accountId)).toMatchObject({ balance: 1020 });
    expect(await ledger.job("job")).toMatchObject({ outcome: "succeeded", durationMs: 42 });
    await expectConsistent(ledger);
  });

  it("refunds a failed job in full, or all but the chunks it pays for", async () => {
    const ledger = await backend.ledger();
    const client = await ledger.createAccount({ name: "client" });
    const operator = await ledger.createAccount({ name: "operator" });
    await ledger.hold(holdOf(client.accountId, "a", 40, { chunks: 4 }));
    await ledger.hold(holdOf(client.accountId, "b", 40, { chunks: 4 }));
    await ledger.hold(holdOf(client.accountId, "c", 10));
    expect(await ledger.settle({ jobId: "a", outcome: "failed" })).toEqual({
      settled: true,
      rewarded: 0,
      refunded: 40,
    });
    expect(
      await ledger.settle({
        jobId: "b",
        outcome: "deadline",
        rewards: [{ operatorAccountId: operator.accountId, nodeName: "n", amount: 20, tasks: 2 }],
      }),
    ).toEqual({ settled: true, rewarded: 20, refunded: 20 });
    expect(await ledger.settle({ jobId: "c", outcome: "cancelled" })).toMatchObject({ refunded: 10 });
    expect(await ledger.balance(client.accountId)).toEqual({ balance: 980, held: 0, earned: 0, spent: 20 });
    expect(await ledger.nodes(operator.accountId)).toMatchObject([
      { name: "n", tasks: 2, creditsEarned: 20 },
    ]);
    expect((await ledger.job("b")).outcome).toBe("deadline");
    expect((await ledger.transactions(client.accountId)).items.map((t) => t.kind)).toEqual([
      "refund",
      "refund",
      "refund",
      "charge",
      "charge",
      "charge",
      "grant",
    ]);
    await expectConsistent(ledger);
  });

  it("rejects bad settlements and leaves the hold open for a retry", async () => {
    const ledger = await backend.ledger();
    const client = await ledger.createAccount({ name: "client" });
    const operator = await ledger.createAccount({ name: "operator" });
    await ledger.hold(holdOf(client.accountId, "job", 20));
    const reward = { operatorAccountId: operator.accountId, nodeName: "n", amount: 15 };
    const over = { jobId: "job", outcome: "succeeded" as const, rewards: [reward, reward] };
    expect(await codeOf(ledger.settle(over))).toBe("invalid_argument");
    const stranger = { ...reward, operatorAccountId: "acc_nope" };
    expect(await codeOf(ledger.settle({ jobId: "job", outcome: "succeeded", rewards: [stranger] }))).toBe(
      "invalid_argument",
    );
    expect(await codeOf(ledger.settle({ jobId: "job", outcome: "done" as never }))).toBe("invalid_argument");
    expect(
      await codeOf(
        ledger.settle({ jobId: "job", outcome: "succeeded", rewards: [{ ...reward, amount: 0 }] }),
      ),
    ).toBe("invalid_argument");
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 980, held: 20 });
    expect(await codeOf(ledger.settle({ jobId: "nope", outcome: "failed" }))).toBe("not_found");
    expect(await ledger.settle({ jobId: "job", outcome: "succeeded", rewards: [reward] })).toMatchObject({
      settled: true,
      rewarded: 15,
      refunded: 5,
    });
    await expectConsistent(ledger);
  });

  it("settles many jobs in batches, each exactly once, isolating a bad one", async () => {
    const ledger = await backend.ledger({ batching: { maxBatch: 16, maxDelayMs: 1 } });
    const client = await ledger.createAccount({ name: "client" });
    const operator = await ledger.createAccount({ name: "operator" });
    const jobs = Array.from({ length: 60 }, (_, i) => `job-${i}`);
    for (const id of jobs) await ledger.hold(holdOf(client.accountId, id, 10));
    const reward = { operatorAccountId: operator.accountId, nodeName: "n", amount: 10 };
    const calls = [
      ...jobs.map((jobId) => ledger.settle({ jobId, outcome: "succeeded", rewards: [reward] })),
      ...jobs.slice(0, 10).map((jobId) => ledger.settle({ jobId, outcome: "failed" })),
      ledger.settle({ jobId: "missing", outcome: "failed" }),
    ];
    const results = await Promise.allSettled(calls);
    const fulfilled = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(fulfilled).toHaveLength(70);
    // Batches are written side by side, so for the first ten jobs either the success or the failure
    // may win; whichever does, each job is settled exactly once.
    for (let i = 0; i < 10; i++) {
      const [success, failure] = [fulfilled[i], fulfilled[60 + i]];
      expect([success?.settled, failure?.settled].filter(Boolean)).toHaveLength(1);
      if (failure?.settled) expect(failure).toMatchObject({ refunded: 10, rewarded: 0 });
    }
    expect(fulfilled.slice(10, 60).every((r) => r.settled && r.rewarded === 10)).toBe(true);
    const earned = fulfilled.reduce((sum, r) => sum + r.rewarded, 0);
    const refunded = fulfilled.reduce((sum, r) => sum + r.refunded, 0);
    expect(earned + refunded).toBe(600);
    const missing = results.at(-1);
    expect(missing?.status === "rejected" && (missing.reason as SwitchyardError).code).toBe("not_found");
    expect(await ledger.balance(operator.accountId)).toMatchObject({ balance: 1000 + earned, earned });
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 400 + refunded, held: 0 });
    expect(await ledger.nodes(operator.accountId)).toMatchObject([
      { tasks: earned / 10, creditsEarned: earned },
    ]);

    // A batch holding one settlement whose rewards exceed its hold falls back to one-by-one.
    await ledger.hold(holdOf(client.accountId, "good", 10));
    await ledger.hold(holdOf(client.accountId, "bad", 10));
    const [good, bad] = await Promise.allSettled([
      ledger.settle({ jobId: "good", outcome: "succeeded", rewards: [reward] }),
      ledger.settle({ jobId: "bad", outcome: "succeeded", rewards: [reward, reward] }),
    ]);
    expect(good).toMatchObject({ status: "fulfilled", value: { settled: true, rewarded: 10 } });
    expect(bad?.status === "rejected" && (bad.reason as SwitchyardError).code).toBe("invalid_argument");
    expect(await ledger.balance(client.accountId)).toMatchObject({ held: 10 });
    await expectConsistent(ledger);
  });

  it("the reaper refunds a dead router's expired holds exactly once, and a late settle changes nothing", async () => {
    const db = await backend.database();
    const ledger = await db.ledger();
    const other = await db.ledger();
    const client = await ledger.createAccount({ name: "client" });
    await ledger.hold(holdOf(client.accountId, "dead", 50, { holdTtlMs: 1 }));
    await ledger.hold(holdOf(client.accountId, "alive", 50));
    const later = Date.now() + 1_000;
    const counts = await Promise.all([ledger.reapExpiredHolds(later), other.reapExpiredHolds(later)]);
    expect(counts[0] + counts[1]).toBe(1);
    expect(await ledger.reapExpiredHolds(later)).toBe(0);
    expect(await ledger.balance(client.accountId)).toEqual({ balance: 950, held: 50, earned: 0, spent: 50 });
    expect(await ledger.job("dead")).toMatchObject({ outcome: "expired" });
    expect(await ledger.settle({ jobId: "dead", outcome: "succeeded" })).toEqual({
      settled: false,
      rewarded: 0,
      refunded: 0,
    });
    expect(
      (await ledger.transactions(client.accountId)).items.filter((t) => t.kind === "refund"),
    ).toHaveLength(1);
    await expectConsistent(ledger);
  });

  it("the periodic reaper refunds expired holds and stops with the ledger", async () => {
    const ledger = await backend.ledger();
    const client = await ledger.createAccount({ name: "client" });
    await ledger.hold(holdOf(client.accountId, "dead", 50, { holdTtlMs: 1 }));
    ledger.startReaper(20);
    await expect.poll(async () => (await ledger.job("dead")).outcome, { timeout: 5_000 }).toBe("expired");
    await ledger.stopReaper();
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 1000, held: 0 });
  });
});
