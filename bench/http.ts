/**
 * The HTTP scenarios. `http-chat-c1`, `-c64` and `-c256`: the chat request against Switchyard with
 * billing on (router + gateway in one process, the worker in its own, ledger on the private PostgreSQL), against the
 * bare node:http baseline and against the peer, the Portkey AI gateway in front of that same baseline.
 * c64 and c256 are driven by autocannon in the bench process; c1 by a sequential keep-alive client in a
 * child process of its own that times each request to 0.01 ms (generators/http-sequential.ts), so that
 * an added p99 of about a millisecond can be told from none.
 *
 * The billing comparison (`http-chat-c64-billing`, `-pglite`): the same c64 load against the same
 * Switchyard with billing off, and with billing on PGlite.
 */
import { type BaselineRule, pickBaseline } from "./baseline-pick.js";
import { CHAT_PATH, CHAT_REQUEST_BODY } from "./chat.js";
import type { RunningChild } from "./children.js";
import { cpuMsPer, watchCpu } from "./cpu-usage.js";
import { runGenerator } from "./generator.js";
import type { SequentialJob } from "./generators/http-sequential.js";
import { type LoadOptions, type LoadResult, runLoad } from "./load.js";
import { describePgWaits, samplePgWaits } from "./pg-waits.js";
import { type MeasuredRun, type ScenarioRow, scenarioRow } from "./report.js";
import { BILLING_BASE, SCENARIOS } from "./scenarios.js";
import type { PostgresService } from "./services.js";
import type { BenchSettings } from "./settings.js";
import { checkAnswers } from "./targets.js";

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

/** An HTTP server under load and how to address it. */
export interface HttpTarget {
  child: RunningChild;
  /** Headers every request carries (a client key, Portkey's routing headers). */
  headers: Record<string, string>;
  /** The PostgreSQL server whose CPU is reported beside the target's, and the target's database on it. */
  database?: { server: PostgresService; url: string };
}

/** How often the billing database's connections are sampled during a measured run. */
const PG_SAMPLE_MS = 50;

/** The c1 load: the sequential client in its own process, its warm-up included. */
async function sequentialLoad(target: HttpTarget, settings: BenchSettings): Promise<LoadResult> {
  const job: SequentialJob = {
    url: `${target.child.url}${CHAT_PATH}`,
    body: CHAT_REQUEST_BODY,
    headers: target.headers,
    warmupSec: settings.warmupSec,
    durationSec: settings.c1DurationSec,
    maxRequests: 1_000_000,
    timeoutSec: settings.timeoutSec,
  };
  const result = await runGenerator<LoadResult & { warmupErrors: number }>({
    name: "c1",
    script: "bench/generators/http-sequential.ts",
    input: job,
    limitMs: (settings.warmupSec + settings.c1DurationSec + 2 * settings.timeoutSec + 30) * 1000,
  });
  if (result.warmupErrors > 0) progress(`⚠ ${target.child.name} c1 warm-up: ${result.warmupErrors} errors`);
  return result;
}

/** Warm-up (discarded), then the measured run; c1 with the sequential client, others with autocannon. */
export async function measure(
  label: string,
  target: HttpTarget,
  connections: number,
  settings: BenchSettings,
): Promise<MeasuredRun> {
  const load: Omit<LoadOptions, "durationSec"> = {
    url: target.child.url,
    connections,
    timeoutSec: settings.timeoutSec,
    headers: target.headers,
  };
  if (connections > 1) {
    const warm = await runLoad({ ...load, durationSec: settings.warmupSec });
    if (warm.errors > 0)
      progress(`⚠ ${label} warm-up: ${warm.errors} errors ${JSON.stringify(warm.statusCodes)}`);
  }
  const lengthSec = connections > 1 ? settings.durationSec : settings.warmupSec + settings.c1DurationSec;
  const waits = target.database
    ? samplePgWaits(target.database.url, PG_SAMPLE_MS, (lengthSec + settings.timeoutSec) * 1000)
    : undefined;
  const cpuSince = watchCpu([target.child.pid]);
  // PostgreSQL's CPU without the sampler's own backend, which the target's requests do not cause.
  const dbSince = target.database
    ? watchCpu([target.database.server.pid], () =>
        waits?.backendPid === undefined ? [] : [waits.backendPid],
      )
    : undefined;
  const measured =
    connections > 1
      ? await runLoad({ ...load, durationSec: settings.durationSec })
      : await sequentialLoad(target, settings);
  const cpu = cpuSince();
  const db = dbSince?.();
  const databaseWaits = await waits?.stop();
  // c1: the CPU window includes the sequential client's warm-up, so count its requests too (≈ same rate).
  const served = connections > 1 ? measured.ok : Math.round(measured.reqPerSec * lengthSec);
  const result: MeasuredRun = {
    ...measured,
    cpuMsPerRequest: cpuMsPer(cpu, served),
    ...(dbSince ? { databaseCpuMsPerRequest: cpuMsPer(db, served) } : {}),
    ...(databaseWaits ? { databaseWaits } : {}),
    otherCpuPct: cpu?.otherCpuPct ?? null,
  };
  progress(`${label}: ${describe(result)}`);
  if (databaseWaits) progress(`${label}: PostgreSQL connections: ${describePgWaits(databaseWaits)}`);
  return result;
}

/** Load at the highest concurrency once, so the JIT has optimised the target's code before measuring. */
export async function prime(target: HttpTarget, connections: number, settings: BenchSettings): Promise<void> {
  const primed = await runLoad({
    url: target.child.url,
    connections,
    durationSec: settings.primeSec,
    timeoutSec: settings.timeoutSec,
    headers: target.headers,
  });
  progress(
    `primed ${target.child.name}: ${primed.ok} good responses at ${connections} connections` +
      (primed.errors > 0 ? `, ⚠ ${primed.errors} errors ${JSON.stringify(primed.statusCodes)}` : ""),
  );
}

/** The target for a chat scenario, and which of its baseline's two runs it is judged against. */
interface ChatTarget {
  text: string;
  met(row: ScenarioRow): boolean;
  /** A scenario with a target measures its baseline before and after Switchyard's run (see baseline-pick.ts). */
  baseline: BaselineRule<MeasuredRun>;
}

const runErrors = (run: MeasuredRun): number => run.errors;

/**
 * The target of the chat scenario at `connections`, if the issue sets one: c1 is judged on the added
 * p99, so its baseline is the run with the lower p99; c64 on the rate, so the run with the higher rate.
 */
function chatTarget(connections: number): ChatTarget | undefined {
  if (connections === 1) {
    return {
      text: "added p99 ≤ 1.5 ms",
      met: (row) => (row.addedP99Ms ?? Infinity) <= 1.5,
      baseline: {
        name: "p99",
        unit: "ms",
        digits: 2,
        figure: (run) => run.latencyMs.p99,
        higherIsBetter: false,
        errors: runErrors,
      },
    };
  }
  if (connections === 64) {
    return {
      text: "≥ 0.8× baseline and ≥ 5× peer",
      met: (row) => (row.ratio ?? 0) >= 0.8 && (row.peerRatio ?? 0) >= 5,
      baseline: {
        name: "rate",
        unit: "req/s",
        digits: 1,
        figure: (run) => run.reqPerSec,
        higherIsBetter: true,
        errors: runErrors,
      },
    };
  }
  return undefined;
}

export const BASELINE_COMPARISON = "bare node:http server, same 20 ms";
export const PEER_COMPARISON =
  "Portkey AI gateway (OpenAI provider, custom host) in front of the same bare server";

/**
 * http-chat-c1, -c64, -c256: each target primed once at the highest concurrency, then per scenario the
 * baseline, Switchyard and the peer in turn, and for the scenarios with a target (c1 and c64) the
 * baseline once more (see `chatTarget`). Returns the rows and Switchyard's c64 run.
 */
export async function chatScenarios(
  settings: BenchSettings,
  targets: { baseline: HttpTarget; switchyard: HttpTarget; peer: HttpTarget },
  switchyardNote: string,
): Promise<{ rows: ScenarioRow[]; switchyardRuns: { c1?: MeasuredRun; c64?: MeasuredRun } }> {
  const all = [targets.baseline, targets.switchyard, targets.peer];
  for (const t of all) await checkAnswers(t.child, t.headers);
  const primeConnections = Math.max(...SCENARIOS.map((s) => s.connections));
  for (const t of all) await prime(t, primeConnections, settings);
  const rows: ScenarioRow[] = [];
  const switchyardRuns: { c1?: MeasuredRun; c64?: MeasuredRun } = {};
  for (const scenario of SCENARIOS) {
    const c = scenario.connections;
    const target = chatTarget(c);
    const first = await measure(
      `${scenario.name} baseline${target ? " (before)" : ""}`,
      targets.baseline,
      c,
      settings,
    );
    const sy = await measure(`${scenario.name} Switchyard`, targets.switchyard, c, settings);
    const p = await measure(`${scenario.name} peer`, targets.peer, c, settings);
    const pick = target
      ? pickBaseline(
          first,
          await measure(`${scenario.name} baseline (after)`, targets.baseline, c, settings),
          target.baseline,
        )
      : undefined;
    const row = scenarioRow(scenario.name, settings, sy, pick?.run ?? first, BASELINE_COMPARISON, {
      run: p,
      comparison: PEER_COMPARISON,
    });
    rows.push({
      ...row,
      setup: switchyardNote,
      ...(pick ? { baselinePick: pick.note } : {}),
      ...(target ? { target: target.text, targetMet: target.met(row) } : {}),
    });
    if (c === BILLING_BASE.connections) switchyardRuns.c64 = sy;
    if (c === 1) switchyardRuns.c1 = sy;
  }
  return { rows, switchyardRuns };
}

/**
 * http-chat-c64-billing (PostgreSQL) and -pglite against billing off; and http-chat-c1-billing when
 * the http group measured c1. The PostgreSQL runs are the http-chat Switchyard runs when given, else
 * c64 is measured here.
 */
export async function billingScenarios(
  settings: BenchSettings,
  targets: { off: HttpTarget; postgres?: HttpTarget; pglite?: HttpTarget },
  postgresRuns: { c1?: MeasuredRun; c64?: MeasuredRun },
): Promise<ScenarioRow[]> {
  const c = BILLING_BASE.connections;
  const fresh = [targets.off, ...(postgresRuns.c64 ? [] : [targets.postgres]), targets.pglite].filter(
    (t): t is HttpTarget => t !== undefined,
  );
  for (const t of fresh) await checkAnswers(t.child, t.headers);
  for (const t of fresh) await prime(t, c, settings);
  const off = await measure(`${BILLING_BASE.name} Switchyard, billing off`, targets.off, c, settings);
  const comparison = "the same Switchyard with billing off, same load";
  const rows: ScenarioRow[] = [];
  const pg =
    postgresRuns.c64 ??
    (targets.postgres
      ? await measure("http-chat-c64-billing Switchyard", targets.postgres, c, settings)
      : undefined);
  if (pg) rows.push(scenarioRow("http-chat-c64-billing", settings, pg, off, comparison));
  if (targets.pglite) {
    const lite = await measure("http-chat-c64-billing-pglite Switchyard", targets.pglite, c, settings);
    rows.push(scenarioRow("http-chat-c64-billing-pglite", settings, lite, off, comparison));
  }
  if (postgresRuns.c1) {
    const offC1 = await measure("http-chat-c1 Switchyard, billing off", targets.off, 1, settings);
    rows.push(scenarioRow("http-chat-c1-billing", settings, postgresRuns.c1, offC1, comparison));
  }
  return rows;
}
