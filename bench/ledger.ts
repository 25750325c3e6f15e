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
import { Ledger } from "../src/ledger/ledger.js";
import { cpuMsPer, watchCpu } from "./cpu-usage.js";
import type { ScenarioRow } from "./report.js";
import type { PostgresService } from "./services.js";
import type { BenchSettings, LedgerSettings } from "./settings.js";
import { type Percentiles, percentiles } from "./stats.js";

const PRICE = 10;
const PAYER_CREDITS = 1_000_000_000;

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
          await ledger.settle({
            jobId,
            outcome: "succeeded",
            rewards: [
              { operatorAccountId: accounts.operator, nodeName: "bench-node", amount: PRICE, tasks: 1 },
            ],
            durationMs: 20,
          });
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
    durationSec: Math.round(durationSec * 100) / 100,
    jobsPerSec: durationSec > 0 ? Math.round((10 * done) / durationSec) / 10 : 0,
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
    ratio: many.jobsPerSec > 0 ? Math.round((1000 * one.jobsPerSec) / many.jobsPerSec) / 1000 : 0,
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
