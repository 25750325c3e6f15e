import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SwitchyardError } from "../../src/core/errors.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import type { JobOutcome, Reward, SettleResult } from "../../src/ledger/types.js";
import { BACKENDS, startBackends, type TestBackend } from "./backends.js";

const started = startBackends();

/**
 * Conservation under concurrency: random holds, grants and settlements (with random outcomes and
 * rewards, some settled twice, some by two instances at once, some left to the reaper, some with
 * rewards above the hold) run at the same time; audits taken while they run and after everything
 * settles must find sum(balances) + sum(open holds) = minted, every job's transactions netting to zero,
 * and each account holding exactly what a sequential model says.
 */

type Mode = "once" | "twice" | "concurrent" | "reaper" | "reaper-race";

interface JobPlan {
  client: number;
  amount: number;
  shortTtl: boolean;
  mode: Mode;
  attempts: Array<{ outcome: JobOutcome; rewards: Array<{ operator: number; amount: number }> }>;
}

const outcomeArb = fc.constantFrom<JobOutcome>("succeeded", "failed", "cancelled", "deadline");
const attemptArb = fc.record({
  outcome: outcomeArb,
  rewards: fc.array(fc.record({ operator: fc.nat({ max: 1 }), amount: fc.integer({ min: 1, max: 60 }) }), {
    maxLength: 3,
  }),
});
const jobArb: fc.Arbitrary<JobPlan> = fc.record({
  client: fc.nat({ max: 2 }),
  amount: fc.integer({ min: 1, max: 400 }),
  shortTtl: fc.boolean(),
  mode: fc.constantFrom<Mode>("once", "twice", "concurrent", "reaper", "reaper-race"),
  attempts: fc.tuple(attemptArb, attemptArb).map((pair) => [...pair]),
});
interface Scenario {
  jobs: JobPlan[];
  grants: Array<{ account: number; amount: number }>;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  jobs: fc.array(jobArb, { minLength: 1, maxLength: 14 }),
  grants: fc.array(fc.record({ account: fc.nat({ max: 4 }), amount: fc.integer({ min: 1, max: 300 }) }), {
    maxLength: 4,
  }),
});

let runCounter = 0;

async function runScenario(a: Ledger, b: Ledger, scenario: Scenario): Promise<void> {
  const run = ++runCounter;
  const clients = await Promise.all([0, 1, 2].map((i) => a.createAccount({ name: `client-${run}-${i}` })));
  const operators = await Promise.all([0, 1].map((i) => a.createAccount({ name: `operator-${run}-${i}` })));
  const everyone = [...clients, ...operators].map((x) => x.accountId);
  const expected = new Map(everyone.map((id) => [id, 1000]));
  const audits: Array<Promise<boolean>> = [];
  const audit = () => audits.push(a.auditConservation().then((r) => r.ok));

  // Holds and grants all at once; which holds fit depends on the interleaving.
  const holds = scenario.jobs.map((job, i) => {
    const accountId = clients[job.client]?.accountId as string;
    return a
      .hold({
        jobId: `r${run}-j${i}`,
        accountId,
        amount: job.amount,
        capability: "echo",
        chunks: 1,
        holdTtlMs: job.shortTtl ? 1 : 60_000,
      })
      .then(
        () => true,
        (err: unknown) => {
          expect((err as SwitchyardError).code).toBe("insufficient_credits");
          return false;
        },
      );
  });
  const grants = scenario.grants.map(async (g) => {
    const accountId = everyone[g.account] as string;
    await b.grant(accountId, g.amount, "property");
    expected.set(accountId, (expected.get(accountId) ?? 0) + g.amount);
  });
  audit();
  const placed = await Promise.all(holds);
  await Promise.all(grants);
  audit();

  const toRewards = (attempt: JobPlan["attempts"][number]): Reward[] =>
    attempt.rewards.map((r) => ({
      operatorAccountId: operators[r.operator]?.accountId as string,
      nodeName: `node-${r.operator}`,
      amount: r.amount,
    }));
  const settle = (ledger: Ledger, jobId: string, attempt: JobPlan["attempts"][number]) =>
    ledger.settle({ jobId, outcome: attempt.outcome, rewards: toRewards(attempt), durationMs: 5 }).then(
      (result) => ({ result, attempt }),
      (err: unknown) => {
        // Rewards above the hold are refused; the hold stays for the reaper.
        expect((err as SwitchyardError).code).toBe("invalid_argument");
        return undefined;
      },
    );
  type Outcome = { result: SettleResult; attempt: JobPlan["attempts"][number] } | undefined;
  const perJob: Array<Promise<Outcome[]>> = scenario.jobs.map(async (job, i): Promise<Outcome[]> => {
    const jobId = `r${run}-j${i}`;
    const [first, second] = job.attempts as [JobPlan["attempts"][number], JobPlan["attempts"][number]];
    if (!placed[i]) return [];
    switch (job.mode) {
      case "once":
        return [await settle(a, jobId, first)];
      case "twice":
        return [await settle(a, jobId, first), await settle(b, jobId, second)];
      case "concurrent":
        return Promise.all([settle(a, jobId, first), settle(b, jobId, second)]);
      case "reaper":
        return [];
      case "reaper-race":
        return Promise.all([settle(b, jobId, first), a.reapExpiredHolds().then(() => undefined)]);
      default:
        throw new Error(`unknown mode ${job.mode satisfies never}`);
    }
  });
  audit();
  const settled = await Promise.all(perJob);
  audit();
  await Promise.all([a.reapExpiredHolds(Date.now() + 120_000), b.reapExpiredHolds(Date.now() + 120_000)]);

  // The model: the one settlement that took effect pays its rewards from the client to the operators.
  scenario.jobs.forEach((job, i) => {
    const effective = (settled[i] ?? []).filter((o) => o?.result.settled);
    expect(effective.length).toBeLessThanOrEqual(1);
    const winner = effective[0];
    if (!winner) return;
    const client = clients[job.client]?.accountId as string;
    for (const r of toRewards(winner.attempt)) {
      expected.set(client, (expected.get(client) ?? 0) - r.amount);
      expected.set(r.operatorAccountId, (expected.get(r.operatorAccountId) ?? 0) + r.amount);
    }
    expect(winner.result.rewarded + winner.result.refunded).toBe(job.amount);
  });
  for (const [accountId, balance] of expected) {
    expect(await a.balance(accountId)).toMatchObject({ balance, held: 0 });
  }
  expect(await Promise.all(audits)).toEqual(audits.map(() => true));
  const final = await a.auditConservation();
  expect(final).toMatchObject({ ok: true, openHolds: 0 });
  expect(final.minted).toBe(await a.mintedTotal());
  expect(await a.jobTransactionSums()).toEqual([]);
  expect(await a.accountTransactionSums()).toEqual([]);
}

describe.each(BACKENDS)("credit conservation on %s", (name) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await started(name);
  });
  afterAll(() => backend.stop());

  it("sum of balances and open holds always equals credits minted", async () => {
    const db = await backend.database();
    const a = await db.ledger({ batching: { maxBatch: 8, maxDelayMs: 1 } });
    const b = await db.ledger({ batching: { maxBatch: 4, maxDelayMs: 0 } });
    await fc.assert(
      fc.asyncProperty(scenarioArb, (scenario) => runScenario(a, b, scenario)),
      // The runs share one database, so a broken invariant stays broken: report the first failing run
      // rather than a shrunk one that only inherited the damage.
      { numRuns: name === "postgres" ? 15 : 8, endOnFailure: true },
    );
  });
});
