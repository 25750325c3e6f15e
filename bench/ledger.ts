/**
 * The ledger scenarios, run in the bench process (no HTTP): jobs/s of `hold` + `settle`, the two writes
 * billing adds to every job, with a fixed number of jobs in flight, on a private PostgreSQL
 * (`ledger-pg`) and on PGlite with its data on disk (`ledger-pglite`, as `switchyard all` keeps it
 * under DATA_DIR). A job is: `hold` its cost (10 credits, one chunk), then `settle` it as succeeded
 * with the reward to one operator's node, both awaited; settlements go through the ledger's group
 * commit as in the router. Measured twice: with every job paid by one account (one client key behind
 * all the traffic, as in the billing HTTP scenario), and with one account per lane.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Ledger, type LedgerObservation } from "../src/ledger/ledger.js";
import type { SettleRequest } from "../src/ledger/types.js";
import { cpuMsPer, watchCpu } from "./cpu-usage.js";
import { round, type ScenarioRow } from "./report.js";
import type { PostgresService } from "./services.js";
import type { BenchSettings, LedgerSettings } from "./settings.js";
import { type Percentiles, percentiles } from "./stats.js";

const PRICE = 10;
const PAYER_CREDITS = 1_000_000_000;

/** A job settled as succeeded, its whole price paid to one operator's node, as every scenario here settles. */
function paidSettlement(jobId: string, operatorAccountId: string): SettleRequest {
  return {
    jobId,
    outcome: "succeeded",
    rewards: [{ operatorAccountId, nodeName: "bench-node", amount: PRICE, tasks: 1 }],
    durationMs: 20,
  };
}

export interface LedgerRun {
  /** Accounts the jobs were paid by, one per lane or one for all. */
  payers: number;
  /** Jobs held and settled without error. */
  jobs: number;
  durationSec: number;
  jobsPerSec: number;
  holdMs: Percentiles;
  settleMs: Percentiles;
  errors: number;
  firstError?: string;
  /** CPU per job of the bench process (the ledger's client side) and, for PostgreSQL, the server. */
  cpuMsPerJob: number | null;
  otherCpuPct: number | null;
}

/** ledger-pg-settle-256: the settlement batch function's own time, in batches of two sizes. */
export interface SettleBatchDetail {
  /** Jobs per batch: the measured size and the size it is compared with. */
  sizes: { large: number; small: number };
  /** Batches timed per size, after the warm-up ones. */
  batches: { large: number; small: number };
  /** Jobs settled per second of batch time. */
  jobsPerSec: { large: number; small: number };
  /** Per batch, in ms. */
  batchMs: { large: Percentiles; small: Percentiles };
  /** Batches that did not come out at their size (the group commit split them), not timed. */
  uneven: number;
  conservationOk: boolean;
}

export interface LedgerDetail {
  backend: "postgres" | "pglite";
  storage: string;
  concurrency: number;
  onePayer: LedgerRun;
  manyPayers: LedgerRun;
  /** balances + open holds = minted after both runs. */
  conservationOk: boolean;
}

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

interface Accounts {
  operator: string;
  payers: string[];
}

async function createAccounts(ledger: Ledger, payers: number): Promise<Accounts> {
  const operator = (await ledger.createAccount({ name: "bench-operator" })).accountId;
  const ids: string[] = [];
  for (let i = 0; i < payers; i++) {
    const { accountId } = await ledger.createAccount({ name: `bench-payer-${i}` });
    await ledger.grant(accountId, PAYER_CREDITS, "bench credits");
    ids.push(accountId);
  }
  return { operator, payers: ids };
}

/** Runs up to `jobs` jobs (stopping after `limitSec`) on `lanes` lanes; lane i pays with payers[i % n]. */
async function run(
  ledger: Ledger,
  accounts: Accounts,
  payers: number,
  jobs: number,
  limitSec: number,
  lanes: number,
  tag: string,
  cpuPids: number[],
): Promise<LedgerRun> {
  const holdMs: number[] = [];
  const settleMs: number[] = [];
  let next = 0;
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpu = watchCpu(cpuPids);
  const started = performance.now();
  const stopAt = Date.now() + limitSec * 1000;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const accountId = accounts.payers[lane % payers] as string;
      while (next < jobs && Date.now() < stopAt) {
        const jobId = `${tag}-${next}`;
        next += 1;
        try {
          const t0 = performance.now();
          await ledger.hold({
            jobId,
            accountId,
            amount: PRICE,
            capability: "chat",
            chunks: 1,
            routerId: "bench",
            holdTtlMs: 600_000,
          });
          const t1 = performance.now();
          await ledger.settle(paidSettlement(jobId, accounts.operator));
          holdMs.push(t1 - t0);
          settleMs.push(performance.now() - t1);
          done += 1;
        } catch (err) {
          errors += 1;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  await ledger.flushSettlements();
  const durationSec = (performance.now() - started) / 1000;
  const used = cpu();
  return {
    payers,
    jobs: done,
    durationSec: round(durationSec, 2),
    jobsPerSec: durationSec > 0 ? round(done / durationSec, 1) : 0,
    holdMs: percentiles(holdMs),
    settleMs: percentiles(settleMs),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    cpuMsPerJob: cpuMsPer(used, done),
    otherCpuPct: used?.otherCpuPct ?? null,
  };
}

async function measureLedger(
  ledger: Ledger,
  backend: LedgerDetail["backend"],
  storage: string,
  s: LedgerSettings,
  cpuPids: number[],
): Promise<LedgerDetail> {
  const accounts = await createAccounts(ledger, s.concurrency);
  await run(ledger, accounts, 1, s.warmupJobs, s.limitSec, s.concurrency, `${backend}-warm`, cpuPids);
  const onePayer = await run(
    ledger,
    accounts,
    1,
    s.jobs,
    s.limitSec,
    s.concurrency,
    `${backend}-one`,
    cpuPids,
  );
  const manyPayers = await run(
    ledger,
    accounts,
    s.concurrency,
    s.jobs,
    s.limitSec,
    s.concurrency,
    `${backend}-many`,
    cpuPids,
  );
  const audit = await ledger.auditConservation();
  return { backend, storage, concurrency: s.concurrency, onePayer, manyPayers, conservationOk: audit.ok };
}

function ledgerRow(name: string, d: LedgerDetail): ScenarioRow {
  const one = d.onePayer;
  const many = d.manyPayers;
  return {
    name,
    unit: "jobs/s",
    value: one.jobsPerSec,
    baseline: many.jobsPerSec,
    ratio: many.jobsPerSec > 0 ? round(one.jobsPerSec / many.jobsPerSec, 3) : 0,
    comparison: `the same jobs paid by ${d.concurrency} accounts (one per lane) instead of one`,
    p50Ms: one.holdMs.p50,
    p99Ms: one.holdMs.p99,
    errors: one.errors + (d.conservationOk ? 0 : 1),
    baselineP50Ms: many.holdMs.p50,
    baselineP99Ms: many.holdMs.p99,
    baselineErrors: many.errors,
    otherCpuPct: one.otherCpuPct,
    baselineOtherCpuPct: many.otherCpuPct,
    cpuMsPerUnit: one.cpuMsPerJob,
    baselineCpuMsPerUnit: many.cpuMsPerJob,
    ledger: d,
  };
}

function describe(r: LedgerRun): string {
  return (
    `${r.payers} payer(s): ${r.jobsPerSec} jobs/s (${r.jobs} jobs in ${r.durationSec} s), hold p50 ` +
    `${r.holdMs.p50} / p99 ${r.holdMs.p99} ms, settle p50 ${r.settleMs.p50} ms, ${r.errors} errors` +
    (r.firstError ? ` (first: ${r.firstError})` : "") +
    (r.cpuMsPerJob === null ? "" : `, ${r.cpuMsPerJob} ms CPU/job`) +
    (r.otherCpuPct === null ? "" : `, others used ${r.otherCpuPct}% CPU`)
  );
}

const SETTLE_BATCH_LARGE = 256;
const SETTLE_BATCH_SMALL = 64;
const SETTLE_BATCH_ROUNDS = 12;
const SETTLE_BATCH_WARMUP = 2;

/**
 * Times the settlement batch function (settle_jobs, through the ledger's group commit) on batches of
 * 256 jobs, its largest, against batches of 64, alternating, on the same server and ledger: each round
 * holds a batch's jobs, then settles them all at once, so they share one settle batch. The time is the
 * batch's own (the ledger's settle_batch observation: from the statement's start to its answer), not
 * the group commit's wait. Equal throughput means a batch costs in proportion to its size.
 */
async function measureSettleBatches(postgres: PostgresService): Promise<SettleBatchDetail> {
  const timed: LedgerObservation[] = [];
  const ledger = await Ledger.open({
    databaseUrl: await postgres.createDatabase("bench_settle_batches"),
    observe: (o) => {
      if (o.operation === "settle_batch" && o.outcome === "ok") timed.push(o);
    },
  });
  try {
    const accounts = await createAccounts(ledger, 1);
    const accountId = accounts.payers[0] as string;
    const samples = { large: [] as number[], small: [] as number[] };
    const jobs = { large: 0, small: 0 };
    let uneven = 0;
    let next = 0;
    for (let round = 0; round < 2 * (SETTLE_BATCH_WARMUP + SETTLE_BATCH_ROUNDS); round++) {
      const which = round % 2 === 0 ? "large" : "small";
      const size = which === "large" ? SETTLE_BATCH_LARGE : SETTLE_BATCH_SMALL;
      const ids = Array.from({ length: size }, () => `settle-batch-${next++}`);
      await Promise.all(
        ids.map((jobId) =>
          ledger.hold({ jobId, accountId, amount: PRICE, capability: "chat", chunks: 1, holdTtlMs: 600_000 }),
        ),
      );
      timed.length = 0;
      await Promise.all(ids.map((jobId) => ledger.settle(paidSettlement(jobId, accounts.operator))));
      const [batch] = timed;
      if (timed.length !== 1 || batch?.count !== size) {
        uneven += 1;
        continue;
      }
      if (round < 2 * SETTLE_BATCH_WARMUP) continue;
      samples[which].push(batch.durationMs);
      jobs[which] += size;
    }
    const rate = (n: number, ms: number[]): number => {
      const total = ms.reduce((a, b) => a + b, 0);
      return total > 0 ? round((n * 1000) / total, 1) : 0;
    };
    return {
      sizes: { large: SETTLE_BATCH_LARGE, small: SETTLE_BATCH_SMALL },
      batches: { large: samples.large.length, small: samples.small.length },
      jobsPerSec: { large: rate(jobs.large, samples.large), small: rate(jobs.small, samples.small) },
      batchMs: { large: percentiles(samples.large, 2), small: percentiles(samples.small, 2) },
      uneven,
      conservationOk: (await ledger.auditConservation()).ok,
    };
  } finally {
    await ledger.close();
  }
}

function settleBatchRow(d: SettleBatchDetail): ScenarioRow {
  const { large, small } = d.jobsPerSec;
  return {
    name: "ledger-pg-settle-256",
    unit: "jobs/s",
    value: large,
    baseline: small,
    ratio: small > 0 ? round(large / small, 3) : 0,
    comparison: `the same settlements in batches of ${d.sizes.small} instead of ${d.sizes.large} (batch time only)`,
    p50Ms: d.batchMs.large.p50,
    p99Ms: d.batchMs.large.p99,
    errors: d.uneven + (d.conservationOk ? 0 : 1),
    baselineP50Ms: d.batchMs.small.p50,
    baselineP99Ms: d.batchMs.small.p99,
    baselineErrors: 0,
    otherCpuPct: null,
    baselineOtherCpuPct: null,
    cpuMsPerUnit: null,
    baselineCpuMsPerUnit: null,
    settleBatches: d,
  };
}

/** ledger-pg (when a PostgreSQL server is given) and ledger-pglite. */
export async function ledgerScenarios(
  settings: BenchSettings,
  postgres: PostgresService | undefined,
): Promise<ScenarioRow[]> {
  const rows: ScenarioRow[] = [];
  if (postgres) {
    const ledger = await Ledger.open({ databaseUrl: await postgres.createDatabase("bench_ledger") });
    try {
      const d = await measureLedger(
        ledger,
        "postgres",
        `PostgreSQL ${postgres.version}, private server, default durability, pool of 10`,
        settings.ledger,
        [process.pid, postgres.pid],
      );
      progress(`ledger-pg: ${describe(d.onePayer)}; ${describe(d.manyPayers)}`);
      rows.push(ledgerRow("ledger-pg", d));
    } finally {
      await ledger.close();
    }
    const b = await measureSettleBatches(postgres);
    progress(
      `ledger-pg-settle-256: ${b.jobsPerSec.large} jobs/s in batches of ${b.sizes.large} (p50 ` +
        `${b.batchMs.large.p50} ms a batch), ${b.jobsPerSec.small} in batches of ${b.sizes.small} (p50 ` +
        `${b.batchMs.small.p50} ms), ${b.batches.large} + ${b.batches.small} batches, ${b.uneven} uneven`,
    );
    rows.push(settleBatchRow(b));
  }
  const dir = mkdtempSync(join(tmpdir(), "sy-bench-pglite-"));
  try {
    const ledger = await Ledger.open({ pgliteDataDir: join(dir, "ledger") });
    try {
      const d = await measureLedger(
        ledger,
        "pglite",
        "PGlite in the bench process, data on disk (a temporary directory)",
        settings.ledger,
        [process.pid],
      );
      progress(`ledger-pglite: ${describe(d.onePayer)}; ${describe(d.manyPayers)}`);
      rows.push(ledgerRow("ledger-pglite", d));
    } finally {
      await ledger.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
