/**
 * The HTTP scenarios: autocannon from this process against the bare node:http baseline and Switchyard
 * (router + gateway + worker in one process), then the billing scenarios: the http-chat-c64 load
 * against the same Switchyard with billing on, on PostgreSQL and on PGlite, each compared with the
 * billing-off run measured just before it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningChild, stopProcess } from "./children.js";
import { cpuMsPer, watchCpu } from "./cpu-usage.js";
import { runLoad } from "./load.js";
import { describePgWaits, samplePgWaits } from "./pg-waits.js";
import { type MeasuredRun, type ScenarioRow, scenarioRow } from "./report.js";
import { BILLING_BASE, BILLING_SCENARIOS, SCENARIOS } from "./scenarios.js";
import type { PostgresService } from "./services.js";
import type { BenchSettings } from "./settings.js";
import {
  checkAnswers,
  type LedgerTarget,
  requestHeaders,
  startBaseline,
  startSwitchyard,
} from "./targets.js";

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

function describe(result: MeasuredRun): string {
  const l = result.latencyMs;
  const cpu = result.cpuMsPerRequest === null ? "" : `, ${result.cpuMsPerRequest.toFixed(2)} ms CPU/request`;
  const db =
    result.databaseCpuMsPerRequest === undefined || result.databaseCpuMsPerRequest === null
      ? ""
      : ` + ${result.databaseCpuMsPerRequest.toFixed(2)} in PostgreSQL`;
  const others = result.otherCpuPct === null ? "" : `, others used ${result.otherCpuPct}% CPU`;
  return (
    `${result.reqPerSec.toFixed(1)} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, ` +
    `${result.errors} errors, ${result.durationSec.toFixed(1)} s${cpu}${db}${others}`
  );
}

interface Target {
  child: RunningChild;
  /** The PostgreSQL server whose CPU is reported beside the target's, and the target's database on it. */
  database?: { server: PostgresService; url: string };
}

/** How often the billing database's connections are sampled during a measured run. */
const PG_SAMPLE_MS = 50;

/** Warm-up (discarded), then the measured run. */
async function measure(
  label: string,
  target: Target,
  connections: number,
  settings: BenchSettings,
): Promise<MeasuredRun> {
  const load = {
    url: target.child.url,
    connections,
    timeoutSec: settings.timeoutSec,
    headers: requestHeaders(target.child),
  };
  const warm = await runLoad({ ...load, durationSec: settings.warmupSec });
  if (warm.errors > 0)
    progress(`⚠ ${label} warm-up: ${warm.errors} errors ${JSON.stringify(warm.statusCodes)}`);
  const cpuSince = watchCpu([target.child.pid]);
  const dbSince = target.database ? watchCpu([target.database.server.pid]) : undefined;
  const waits = target.database
    ? samplePgWaits(target.database.url, PG_SAMPLE_MS, (settings.durationSec + settings.timeoutSec) * 1000)
    : undefined;
  const measured = await runLoad({ ...load, durationSec: settings.durationSec });
  const cpu = cpuSince();
  const db = dbSince?.();
  const databaseWaits = await waits?.stop();
  const result: MeasuredRun = {
    ...measured,
    cpuMsPerRequest: cpuMsPer(cpu, measured.ok),
    ...(dbSince ? { databaseCpuMsPerRequest: cpuMsPer(db, measured.ok) } : {}),
    ...(databaseWaits ? { databaseWaits } : {}),
    otherCpuPct: cpu?.otherCpuPct ?? null,
  };
  progress(`${label}: ${describe(result)}`);
  if (databaseWaits) progress(`${label}: PostgreSQL connections: ${describePgWaits(databaseWaits)}`);
  return result;
}

async function prime(target: Target, connections: number, settings: BenchSettings): Promise<void> {
  const primed = await runLoad({
    url: target.child.url,
    connections,
    durationSec: settings.primeSec,
    timeoutSec: settings.timeoutSec,
    headers: requestHeaders(target.child),
  });
  progress(
    `primed ${target.child.name}: ${primed.ok} good responses at ${connections} connections` +
      (primed.errors > 0 ? `, ⚠ ${primed.errors} errors ${JSON.stringify(primed.statusCodes)}` : ""),
  );
}

/**
 * Starts the HTTP targets, primes them, measures the selected HTTP and billing scenarios and stops
 * the targets. Billing on PostgreSQL needs `postgres`; without it that scenario is skipped.
 */
export async function httpScenarios(
  settings: BenchSettings,
  postgres: PostgresService | undefined,
  skipped: string[],
): Promise<ScenarioRow[]> {
  const withHttp = settings.groups.has("http");
  const withBilling = settings.groups.has("billing");
  const pgliteDir = withBilling ? mkdtempSync(join(tmpdir(), "sy-bench-billing-")) : undefined;
  const ledgers: Array<{ name: string; ledger: LedgerTarget; database?: Target["database"] }> = [];
  if (withBilling) {
    for (const scenario of BILLING_SCENARIOS) {
      if (scenario.ledger === "postgres") {
        if (!postgres) {
          skipped.push(`${scenario.name}: no PostgreSQL server could be started`);
          continue;
        }
        const databaseUrl = await postgres.createDatabase("bench_billing");
        ledgers.push({
          name: scenario.name,
          ledger: { kind: "postgres", databaseUrl },
          database: { server: postgres, url: databaseUrl },
        });
      } else if (pgliteDir) {
        ledgers.push({ name: scenario.name, ledger: { kind: "pglite", dataDir: join(pgliteDir, "ledger") } });
      }
    }
  }

  const started: RunningChild[] = [];
  const track = async (p: Promise<RunningChild>): Promise<RunningChild> => {
    const child = await p;
    started.push(child);
    return child;
  };
  try {
    const [baseline, switchyard, ...billed] = await Promise.all([
      withHttp ? track(startBaseline()) : undefined,
      track(startSwitchyard(settings)),
      ...ledgers.map((l) => track(startSwitchyard(settings, `switchyard (${l.name})`, l.ledger))),
    ]);
    progress(`HTTP targets: ${started.map((c) => `${c.name} pid ${c.pid} at ${c.url}`).join("; ")}`);
    const off: Target = { child: switchyard as RunningChild };
    const base: Target | undefined = baseline ? { child: baseline } : undefined;
    const on = ledgers.map((l, i) => ({
      name: l.name,
      target: { child: billed[i] as RunningChild, ...(l.database ? { database: l.database } : {}) },
    }));
    const targets = [base, off, ...on.map((o) => o.target)].filter((t): t is Target => t !== undefined);
    for (const t of targets) await checkAnswers(t.child);
    const primeConnections = Math.max(...SCENARIOS.map((s) => s.connections));
    for (const t of targets) await prime(t, primeConnections, settings);

    const rows: ScenarioRow[] = [];
    const comparison = "bare node:http server, same 20 ms";
    let offC64: MeasuredRun | undefined;
    for (const scenario of withHttp ? SCENARIOS : [BILLING_BASE]) {
      const b = base
        ? await measure(`${scenario.name} baseline`, base, scenario.connections, settings)
        : undefined;
      const sy = await measure(`${scenario.name} Switchyard`, off, scenario.connections, settings);
      if (b) rows.push(scenarioRow(scenario.name, settings, sy, b, comparison));
      if (scenario.name === BILLING_BASE.name) offC64 = sy;
    }
    for (const { name, target } of on) {
      const sy = await measure(`${name} Switchyard`, target, BILLING_BASE.connections, settings);
      const offRun = offC64 as MeasuredRun;
      rows.push(
        scenarioRow(
          name,
          settings,
          sy,
          offRun,
          `the same Switchyard with billing off (${BILLING_BASE.name} run)`,
        ),
      );
    }
    return rows;
  } finally {
    await Promise.all(started.map((c) => stopProcess(c.pid)));
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  }
}
