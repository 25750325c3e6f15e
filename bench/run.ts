/**
 * `npm run bench [-- --quick] [-- --profile] [-- --log-level LEVEL] [-- --only GROUPS]`
 *
 * Runs the scenario groups in turn, everything on 127.0.0.1, each server in its own child process:
 * - http: http-chat-c1/-c64/-c256, the chat request through gateway → router → worker with billing on
 *   (ledger on a private PostgreSQL), against a bare node:http baseline and the Portkey AI gateway (peer);
 * - billing: the c64 load with billing on (PostgreSQL, PGlite) against billing off;
 * - grpc: grpc-submit-c64, JobService.Submit with a 0 ms handler against a raw grpc-js echo server;
 * - sse: sse-512, 512 concurrent streamed completions against the baseline streaming the same;
 * - status: latency of GET /api/v1/status and of the gateway's and router's GET /metrics during the
 *   64-connection chat load, against the same probes of the idle server;
 * - fanout: a 100 KB job split into 8 chunks over NATS between two replicas, and in one process;
 * - ledger: hold + settle throughput on PostgreSQL and PGlite;
 * - soak: minutes at a fixed rate, RSS growth after warm-up (not in --quick unless named in --only).
 * Prints one markdown table and writes results/latest.json. Exits 1 when any measured request or job
 * failed, 2 when the bench itself failed or ran over its time limit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HANDLER_DELAY_MS } from "./chat.js";
import { type RunningChild, stopChildren, stopProcess } from "./children.js";
import { fanoutScenarios } from "./fanout.js";
import { grpcScenarios } from "./grpc.js";
import { billingScenarios, chatScenarios, type HttpTarget } from "./http.js";
import { ledgerScenarios } from "./ledger.js";
import { machineInfo } from "./machine.js";
import { type MeasuredRun, markdownTable, notes, type ScenarioRow, writeReport } from "./report.js";
import {
  clusterServicesMissing,
  type PostgresService,
  postgresMissing,
  type RunningService,
  startNats,
  startPostgres,
  startRedis,
} from "./services.js";
import { type BenchSettings, parseSettings } from "./settings.js";
import { soakScenario } from "./soak.js";
import { sseScenarios } from "./sse.js";
import { statusScenarios } from "./status.js";
import {
  type LedgerTarget,
  PROFILE_DIR,
  peerHeaders,
  requestHeaders,
  startBaseline,
  startPortkey,
  startSwitchyard,
} from "./targets.js";

const RESULTS_FILE = fileURLToPath(new URL("results/latest.json", import.meta.url));

/** The issue's scenarios first, in its order, then the others. */
const ROW_ORDER = [
  "http-chat-c1",
  "http-chat-c64",
  "http-chat-c256",
  "grpc-submit-c64",
  "sse-512",
  "fanout-100k",
  "soak",
  "http-chat-c64-billing",
  "http-chat-c64-billing-pglite",
  "http-chat-c1-billing",
  "fanout-100k-inproc",
];

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

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
    skipped.push(`${what}: ${message(err)}`);
    return undefined;
  }
}

/** The HTTP servers the http, billing, grpc and sse groups share, started together. */
interface ChatTargets {
  baseline?: HttpTarget;
  /** Billing on: the Switchyard of the issue's scenarios. */
  switchyard?: HttpTarget;
  /** What `switchyard` is, for the rows. */
  switchyardNote: string;
  peer?: HttpTarget;
  /** Billing off, and billing on PGlite: the billing comparison. */
  off?: HttpTarget;
  pglite?: HttpTarget;
}

async function startChatTargets(
  settings: BenchSettings,
  postgres: PostgresService | undefined,
  pgliteDir: string,
): Promise<ChatTargets> {
  const g = settings.groups;
  const withBaseline = g.has("http") || g.has("sse");
  const withBilled = g.has("http") || g.has("billing") || g.has("grpc") || g.has("sse");
  let ledger: LedgerTarget = { kind: "pglite", dataDir: join(pgliteDir, "main") };
  let database: HttpTarget["database"];
  let switchyardNote = "billing on, ledger on PGlite (no PostgreSQL server here)";
  if (postgres && withBilled) {
    const url = await postgres.createDatabase("bench_billing");
    ledger = { kind: "postgres", databaseUrl: url };
    database = { server: postgres, url };
    switchyardNote = `billing on, ledger on PostgreSQL ${postgres.version} (private server, default durability)`;
  }
  const plain = (child: RunningChild): HttpTarget => ({ child, headers: requestHeaders(child) });
  const [baseline, billed, peer, off, pglite] = await Promise.all([
    withBaseline ? startBaseline() : undefined,
    withBilled ? startSwitchyard(settings, "switchyard (billing on)", ledger) : undefined,
    g.has("http") ? startPortkey() : undefined,
    g.has("billing") ? startSwitchyard(settings, "switchyard (billing off)") : undefined,
    g.has("billing")
      ? startSwitchyard(settings, "switchyard (billing on PGlite)", {
          kind: "pglite",
          dataDir: join(pgliteDir, "billing"),
        })
      : undefined,
  ]);
  const started = [baseline, billed, peer, off, pglite].filter((c): c is RunningChild => c !== undefined);
  progress(`HTTP targets: ${started.map((c) => `${c.name} pid ${c.pid} at ${c.url}`).join("; ")}`);
  return {
    switchyardNote,
    ...(baseline ? { baseline: plain(baseline) } : {}),
    ...(billed ? { switchyard: { ...plain(billed), ...(database ? { database } : {}) } } : {}),
    ...(peer && baseline ? { peer: { child: peer, headers: peerHeaders(baseline.url) } } : {}),
    ...(off ? { off: plain(off) } : {}),
    ...(pglite ? { pglite: plain(pglite) } : {}),
  };
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
  const groups = settings.groups;
  progress(
    `${settings.quick ? "quick" : "full"} run of ${[...groups].join(", ")}: HTTP ${settings.primeSec} s priming ` +
      `per target, then ${settings.warmupSec} s warm-up + ${settings.durationSec} s measured per run`,
  );
  const skipped: string[] = [];
  const failed: string[] = [];
  if (settings.quick && !groups.has("soak")) {
    skipped.push("soak: not part of --quick (`--quick --only soak` runs a short one)");
  }
  const needsPostgres = ["http", "billing", "grpc", "sse", "ledger", "soak"].some((g) =>
    groups.has(g as never),
  );
  const needsCluster = groups.has("fanout");
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
  /** Runs one group; a group that fails is reported and the others still run. */
  const group = async (name: string, run: () => Promise<ScenarioRow[]>): Promise<void> => {
    try {
      rows.push(...(await run()));
    } catch (err) {
      progress(`⚠ ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      failed.push(`${name}: ${message(err)}`);
    }
  };
  // Servers no later group needs are stopped before the next group measures anything.
  const stop = async (...targets: Array<HttpTarget | undefined>): Promise<void> => {
    await Promise.all(targets.map((t) => (t ? stopProcess(t.child.pid) : undefined)));
  };

  const pgliteDir = mkdtempSync(join(tmpdir(), "sy-bench-billing-"));
  try {
    const chatGroups = ["http", "billing", "grpc", "sse"].some((g) => groups.has(g as never));
    let targets: ChatTargets | undefined;
    if (chatGroups) {
      try {
        targets = await startChatTargets(settings, postgres, pgliteDir);
      } catch (err) {
        progress(`⚠ the HTTP targets did not start: ${message(err)}`);
        failed.push(`http, billing, grpc, sse: the targets did not start: ${message(err)}`);
      }
    }
    const t = targets;
    let switchyardRuns: { c1?: MeasuredRun; c64?: MeasuredRun } = {};
    if (t && groups.has("http")) {
      await group("http", async () => {
        if (!t.baseline || !t.switchyard || !t.peer) throw new Error("a target is missing");
        const chat = await chatScenarios(
          settings,
          { baseline: t.baseline, switchyard: t.switchyard, peer: t.peer },
          t.switchyardNote,
        );
        switchyardRuns = chat.switchyardRuns;
        return chat.rows;
      });
      await stop(t.peer);
    }
    if (t && groups.has("billing")) {
      await group("billing", async () => {
        if (!t.off) throw new Error("the billing-off target is missing");
        return billingScenarios(
          settings,
          {
            off: t.off,
            ...(t.switchyard?.database ? { postgres: t.switchyard } : {}),
            ...(t.pglite ? { pglite: t.pglite } : {}),
          },
          t.switchyard?.database ? switchyardRuns : {},
        );
      });
      await stop(t.off, t.pglite);
    }
    if (t?.switchyard && groups.has("grpc")) {
      const sy = t.switchyard;
      await group("grpc", () => grpcScenarios(settings, sy.child, t.switchyardNote));
    }
    if (t?.switchyard && t.baseline && groups.has("sse")) {
      const targets = { baseline: t.baseline, switchyard: t.switchyard };
      await group("sse", () => sseScenarios(settings, targets, t.switchyardNote));
    }
    if (t) await stop(t.baseline, t.switchyard);

    if (groups.has("status")) await group("status", () => statusScenarios(settings));
    if (needsCluster) {
      if (nats && redis) await group("fanout", () => fanoutScenarios(settings, { nats, redis }));
      else skipped.push("fanout-100k and fanout-100k-inproc: they need both nats-server and redis-server");
    }
    if (groups.has("ledger")) {
      if (!postgres) skipped.push("ledger-pg: no PostgreSQL server");
      await group("ledger", () => ledgerScenarios(settings, postgres));
    }
    if (groups.has("soak")) await group("soak", () => soakScenario(settings, postgres, skipped));
    await stopChildren();
  } finally {
    rmSync(pgliteDir, { recursive: true, force: true });
  }
  if (settings.profile) progress(`CPU profiles of the Switchyard processes written to ${PROFILE_DIR}/`);

  const rank = (name: string): number => {
    const i = ROW_ORDER.indexOf(name);
    return i < 0 ? ROW_ORDER.length : i;
  };
  rows.sort((a, b) => rank(a.name) - rank(b.name));
  const lines = notes(rows, {
    generator:
      "HTTP load: c64 and c256 from autocannon in the bench process, closed loop (one request in flight per " +
      "keep-alive connection), latency from its HDR histogram of 2xx responses in whole ms; c1 from a sequential " +
      "keep-alive node:http client in a process of its own, timed per request with the monotonic clock (0.01 ms). " +
      "Non-streaming POST /v1/chat/completions, model switchyard/auto; errors = non-2xx + unexpected bodies + " +
      "connection errors and timeouts + requests dropped by the server.",
    layout:
      `HTTP processes: Switchyard (router + gateway in one child per set-up, its worker, concurrency ` +
      `${settings.workerConcurrency}, handler ${HANDLER_DELAY_MS} ms, in a child of that child; log level ` +
      `${settings.logLevel}; CPU figures count both), the node:http baseline ` +
      `(${HANDLER_DELAY_MS} ms) in another, the Portkey gateway (--headless, on 127.0.0.1) in a third. Billing on: ` +
      "the router holds and settles 10 credits per request on the ledger, the request carries a client key " +
      "(Authorization: Bearer), the worker an operator key; PostgreSQL runs with its default durability (fsync, " +
      "synchronous_commit on), PGlite keeps its data on disk. http-chat-c64-billing and http-chat-c1-billing are " +
      "the http-chat-c64 and -c1 Switchyard runs, compared with billing-off runs measured later in the same bench.",
  });
  if (skipped.length > 0) lines.push(`**Skipped:** ${skipped.join("; ")}.`);
  if (failed.length > 0) lines.push(`**⚠ Failed:** ${failed.join("; ")}.`);
  console.log(markdownTable(rows));
  console.log("");
  for (const line of lines) console.log(line);

  const tookSec = Math.round((Date.now() - startedAt) / 1000);
  await writeReport(RESULTS_FILE, {
    date: new Date().toISOString(),
    machine: machineInfo(),
    argv,
    durationSec: tookSec,
    scenarios: rows,
    skipped,
    failed,
    notes: lines,
  });
  progress(`wrote ${RESULTS_FILE}; whole bench took ${tookSec} s`);
  if (failed.length > 0) {
    progress("⚠ SOME SCENARIOS FAILED TO RUN");
    process.exitCode = 2;
  } else if (rows.some((r) => r.errors + r.baselineErrors > 0)) {
    progress("⚠ SOME REQUESTS OR JOBS FAILED: the numbers above are not a clean measurement");
    process.exitCode = 1;
  } else if (rows.some((r) => (r.peerErrors ?? 0) > 0)) {
    progress("⚠ the peer failed some requests: its figures are flagged in the table");
  }
}

main().catch((err: unknown) => {
  console.error(err);
  abortBench("the bench failed", 2);
});
