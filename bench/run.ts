/**
 * `npm run bench [-- --quick] [-- --profile] [-- --log-level LEVEL] [-- --only GROUPS]`
 *
 * Runs the scenario groups in turn, everything on 127.0.0.1, each Switchyard set-up in its own child
 * processes and the load generated from this process:
 * - http: the chat request through gateway → router → worker against a bare node:http baseline;
 * - billing: the same at 64 connections with billing on (PostgreSQL, PGlite) against billing off;
 * - status: latency of GET /api/v1/status and of the gateway's and router's GET /metrics during the
 *   64-connection chat load, against the same probes of the idle server;
 * - fanout: a 100 KB job split into 8 chunks over NATS between two replicas, and in one process;
 * - ledger: hold + settle throughput on PostgreSQL and PGlite.
 * Prints one markdown table and writes results/latest.json. Exits 1 when any measured request or job
 * failed, 2 when the bench itself failed or ran over its time limit.
 */
import { fileURLToPath } from "node:url";
import { HANDLER_DELAY_MS } from "./chat.js";
import { stopChildren } from "./children.js";
import { fanoutScenarios } from "./fanout.js";
import { httpScenarios } from "./http.js";
import { ledgerScenarios } from "./ledger.js";
import { machineInfo } from "./machine.js";
import { markdownTable, notes, type ScenarioRow, writeReport } from "./report.js";
import {
  clusterServicesMissing,
  type PostgresService,
  postgresMissing,
  type RunningService,
  startNats,
  startPostgres,
  startRedis,
} from "./services.js";
import { parseSettings } from "./settings.js";
import { statusScenarios } from "./status.js";
import { PROFILE_DIR } from "./targets.js";

const RESULTS_FILE = fileURLToPath(new URL("results/latest.json", import.meta.url));

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

function abortBench(reason: string, code: number): void {
  progress(reason);
  stopChildren(2_000).then(
    () => process.exit(code),
    () => process.exit(code),
  );
}

/** Starts a service, or records why it could not run and returns undefined. */
async function optional<T>(
  what: string,
  missing: string | undefined,
  start: () => Promise<T>,
  skipped: string[],
): Promise<T | undefined> {
  if (missing) {
    skipped.push(`${what}: ${missing}`);
    return undefined;
  }
  try {
    return await start();
  } catch (err) {
    skipped.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const settings = parseSettings(argv);
  const limit = setTimeout(
    () => abortBench(`the bench ran over its ${settings.totalLimitSec} s limit; stopping`, 2),
    settings.totalLimitSec * 1000,
  );
  limit.unref();
  process.once("SIGINT", () => abortBench("interrupted", 130));
  process.once("SIGTERM", () => abortBench("terminated", 143));

  const startedAt = Date.now();
  const groups = [...settings.groups];
  progress(
    `${settings.quick ? "quick" : "full"} run of ${groups.join(", ")}: HTTP ${settings.primeSec} s priming ` +
      `per target, then ${settings.warmupSec} s warm-up + ${settings.durationSec} s measured per run`,
  );
  const skipped: string[] = [];
  const needsPostgres = settings.groups.has("billing") || settings.groups.has("ledger");
  const needsCluster = settings.groups.has("fanout");
  const clusterMissing = needsCluster ? clusterServicesMissing() : undefined;
  const [postgres, nats, redis] = await Promise.all([
    needsPostgres
      ? optional<PostgresService>("PostgreSQL", postgresMissing(), startPostgres, skipped)
      : undefined,
    needsCluster ? optional<RunningService>("nats-server", clusterMissing, startNats, skipped) : undefined,
    needsCluster && !clusterMissing
      ? optional<RunningService>("redis-server", undefined, startRedis, skipped)
      : undefined,
  ]);
  for (const s of [postgres, nats, redis]) if (s) progress(`${s.name} pid ${s.pid} at ${s.url}`);

  const rows: ScenarioRow[] = [];
  if (settings.groups.has("http") || settings.groups.has("billing")) {
    rows.push(...(await httpScenarios(settings, postgres, skipped)));
  }
  if (settings.groups.has("status")) rows.push(...(await statusScenarios(settings)));
  if (needsCluster) {
    if (nats && redis) rows.push(...(await fanoutScenarios(settings, { nats, redis })));
    else skipped.push("fanout-100k-nats and fanout-100k-inproc: they need both nats-server and redis-server");
  }
  if (settings.groups.has("ledger")) {
    if (!postgres) skipped.push("ledger-pg: no PostgreSQL server");
    rows.push(...(await ledgerScenarios(settings, postgres)));
  }
  await stopChildren();
  if (settings.profile) progress(`CPU profiles of the Switchyard processes written to ${PROFILE_DIR}/`);

  const lines = notes(rows, {
    generator:
      "HTTP load: autocannon in the bench process, closed loop (one request in flight per keep-alive connection), " +
      "non-streaming POST /v1/chat/completions, model switchyard/auto; latency from autocannon's HDR " +
      "histogram of 2xx responses; errors = non-2xx + unexpected bodies + connection errors and timeouts + requests dropped by the server.",
    layout:
      `HTTP processes: Switchyard (router + gateway + 1 worker, concurrency ${settings.workerConcurrency}, ` +
      `handler ${HANDLER_DELAY_MS} ms, log level ${settings.logLevel}) in one child per set-up, the node:http baseline ` +
      `(${HANDLER_DELAY_MS} ms) in another. Billing on: the router holds and settles 10 credits per request ` +
      "on the ledger, the request carries a client key (Authorization: Bearer), the worker an operator key; " +
      "PostgreSQL runs with its default durability (fsync, synchronous_commit on), PGlite keeps its data on disk.",
  });
  if (skipped.length > 0) lines.push(`**Skipped:** ${skipped.join("; ")}.`);
  console.log(markdownTable(rows));
  console.log("");
  for (const line of lines) console.log(line);

  await writeReport(RESULTS_FILE, {
    date: new Date().toISOString(),
    machine: machineInfo(),
    argv,
    scenarios: rows,
    skipped,
    notes: lines,
  });
  progress(`wrote ${RESULTS_FILE}; whole bench took ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  if (rows.some((r) => r.errors + r.baselineErrors > 0)) {
    progress("⚠ SOME REQUESTS OR JOBS FAILED: the numbers above are not a clean measurement");
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  abortBench("the bench failed", 2);
});
