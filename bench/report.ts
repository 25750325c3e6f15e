/** Turns measured runs into the printed markdown table and the rows of results/latest.json. */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { FanoutDetail } from "./fanout.js";
import type { GrpcDetail } from "./grpc.js";
import type { LedgerDetail, SettleBatchDetail } from "./ledger.js";
import type { LoadResult } from "./load.js";
import type { MachineInfo } from "./machine.js";
import { describePgWaits, type PgWaits } from "./pg-waits.js";
import type { SoakDetail } from "./soak.js";
import type { SseDetail } from "./sse.js";
import type { StatusDetail } from "./status.js";

/** A measured HTTP run, with the CPU its target used and the CPU other processes used meanwhile. */
export interface MeasuredRun extends LoadResult {
  /** CPU the target process used per good response, in ms, or null where unknown. */
  cpuMsPerRequest: number | null;
  /** CPU the database server (PostgreSQL) used per good response, in ms, when the target has one. */
  databaseCpuMsPerRequest?: number | null;
  /** What the database's connections were doing during the run, when the target has PostgreSQL. */
  databaseWaits?: PgWaits;
  /** Percent of one core used by processes other than the bench's, or null where unknown. */
  otherCpuPct: number | null;
}

/** Runs with more CPU used by others than this are flagged as disturbed. */
export const DISTURBED_CPU_PCT = 10;

/**
 * One scenario as written to results/latest.json: Switchyard's figure (`value`) beside a comparison
 * measured in the same run (`baseline`, described by `comparison`, `ratio` = value ÷ baseline) and,
 * where the scenario has one, another product under the same load (`peer`, `peerRatio` = value ÷ peer).
 */
export interface ScenarioRow {
  name: string;
  /**
   * req/s and jobs/s: higher is better; ms (the p50 completion time), ms (p99) (the p99 latency of a
   * probed endpoint) and ms (TTFT p99) (time to first token of a stream): lower is better;
   * % RSS growth: memory growth over the soak, lower is better.
   */
  unit: "req/s" | "jobs/s" | "ms" | "ms (p99)" | "ms (TTFT p99)" | "% RSS growth";
  value: number;
  /** Absent where the scenario has no baseline (the soak). */
  baseline?: number;
  ratio?: number;
  /** What `baseline` measures. */
  comparison: string;
  /** Where the baseline was measured before and after Switchyard: which run was taken, and why. */
  baselinePick?: string;
  /** The peer's figure under the same load, where the scenario has one. */
  peer?: number;
  peerRatio?: number;
  /** What `peer` measures. */
  peerComparison?: string;
  /** How the Switchyard side was set up, where it matters (billing on, which ledger). */
  setup?: string;
  /** HTTP scenarios: keep-alive connections, and the seconds of load before measuring. */
  connections?: number;
  primeSec?: number;
  warmupSec?: number;
  /** Latency percentiles of Switchyard's figure (for ledger rows: of `hold`; sse: of the TTFT). */
  p50Ms: number;
  p99Ms: number;
  errors: number;
  baselineP50Ms?: number;
  baselineP99Ms?: number;
  baselineErrors: number;
  peerP50Ms?: number;
  peerP99Ms?: number;
  peerErrors?: number;
  /** Switchyard's p99 minus the baseline's, where latency is compared (HTTP, gRPC, sse). */
  addedP99Ms?: number;
  /** The issue's target for this scenario, as text, and whether this run met it. */
  target?: string;
  targetMet?: boolean;
  /** Status-metrics rows: the slowest probe under load and idle. */
  maxMs?: number;
  baselineMaxMs?: number;
  /** Percent of one core other processes used while each side was measured. */
  otherCpuPct: number | null;
  baselineOtherCpuPct: number | null;
  peerOtherCpuPct?: number | null;
  /** CPU of the system under test per request or job, in ms. */
  cpuMsPerUnit: number | null;
  baselineCpuMsPerUnit: number | null;
  peerCpuMsPerUnit?: number | null;
  /** HTTP scenarios: everything measured, for each side. */
  switchyard?: MeasuredRun;
  baselineRun?: MeasuredRun;
  peerRun?: MeasuredRun;
  fanout?: FanoutDetail;
  ledger?: LedgerDetail;
  settleBatches?: SettleBatchDetail;
  status?: StatusDetail;
  grpc?: GrpcDetail;
  sse?: SseDetail;
  soak?: SoakDetail;
}

export interface BenchReport {
  date: string;
  machine: MachineInfo;
  /** Command-line flags of the run. */
  argv?: string[];
  /** How long the whole bench took, in seconds. */
  durationSec?: number;
  scenarios: ScenarioRow[];
  /** Scenarios that could not run here, with the reason. */
  skipped?: string[];
  /** Groups that failed to run, with the error. */
  failed?: string[];
  /** The lines printed under the table. */
  notes?: string[];
}

/** An HTTP scenario: Switchyard against a comparison run (and maybe a peer's) under the same load. */
export function scenarioRow(
  name: string,
  timing: { primeSec: number; warmupSec: number },
  switchyard: MeasuredRun,
  baseline: MeasuredRun,
  comparison: string,
  peer?: { run: MeasuredRun; comparison: string },
): ScenarioRow {
  const p = peer?.run;
  return {
    name,
    unit: "req/s",
    value: round(switchyard.reqPerSec, 1),
    baseline: round(baseline.reqPerSec, 1),
    ratio: baseline.reqPerSec > 0 ? round(switchyard.reqPerSec / baseline.reqPerSec, 3) : 0,
    comparison,
    ...(p && peer
      ? {
          peer: round(p.reqPerSec, 1),
          peerRatio: p.reqPerSec > 0 ? round(switchyard.reqPerSec / p.reqPerSec, 3) : 0,
          peerComparison: peer.comparison,
          peerP50Ms: p.latencyMs.p50,
          peerP99Ms: p.latencyMs.p99,
          peerErrors: p.errors,
          peerOtherCpuPct: p.otherCpuPct,
          peerCpuMsPerUnit: p.cpuMsPerRequest,
          peerRun: p,
        }
      : {}),
    connections: switchyard.connections,
    primeSec: timing.primeSec,
    warmupSec: timing.warmupSec,
    p50Ms: switchyard.latencyMs.p50,
    p99Ms: switchyard.latencyMs.p99,
    errors: switchyard.errors,
    baselineP50Ms: baseline.latencyMs.p50,
    baselineP99Ms: baseline.latencyMs.p99,
    baselineErrors: baseline.errors,
    addedP99Ms: round(switchyard.latencyMs.p99 - baseline.latencyMs.p99, 2),
    otherCpuPct: switchyard.otherCpuPct,
    baselineOtherCpuPct: baseline.otherCpuPct,
    cpuMsPerUnit: switchyard.cpuMsPerRequest,
    baselineCpuMsPerUnit: baseline.cpuMsPerRequest,
    switchyard,
    baselineRun: baseline,
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function figure(value: number | undefined, unit: ScenarioRow["unit"]): string {
  if (value === undefined) return "–";
  if (unit === "req/s" || unit === "jobs/s") return value >= 100 ? value.toFixed(0) : value.toFixed(1);
  if (unit === "% RSS growth") return value.toFixed(1);
  return ms(value);
}

function ms(value: number | undefined): string {
  if (value === undefined) return "–";
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
}

function latencies(p50: number | undefined, p99: number | undefined): string {
  return p50 === undefined && p99 === undefined ? "–" : `${ms(p50)} / ${ms(p99)}`;
}

function times(ratio: number | undefined): string {
  return ratio === undefined ? "–" : `${ratio.toFixed(2)}×`;
}

function errorCell(row: ScenarioRow): string {
  const parts = [row.errors, row.baselineErrors, ...(row.peerErrors === undefined ? [] : [row.peerErrors])];
  const cell = parts.join(" / ");
  return parts.some((e) => e > 0) ? `**${cell} ⚠**` : cell;
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? "?" : `${v}`;
}

function othersCell(row: ScenarioRow): string {
  const values = [
    row.otherCpuPct,
    row.baselineOtherCpuPct,
    ...(row.peer === undefined ? [] : [row.peerOtherCpuPct]),
  ];
  const cell = values.map(pct).join(" / ");
  const disturbed = values.some((v) => v !== null && v !== undefined && v > DISTURBED_CPU_PCT);
  return disturbed ? `${cell} ⚠` : cell;
}

function targetCell(row: ScenarioRow): string {
  if (row.target === undefined) return "";
  return `${row.target} ${row.targetMet ? "✓" : "✗"}`;
}

/** The markdown table, one line per scenario. */
export function markdownTable(rows: readonly ScenarioRow[]): string {
  const header = [
    "scenario",
    "unit",
    "Switchyard",
    "baseline",
    "peer",
    "÷ baseline",
    "÷ peer",
    "p50 / p99 ms",
    "baseline p50 / p99 ms",
    "peer p50 / p99 ms",
    "added p99 ms",
    "errors (SY / base / peer)",
    "target (issue)",
    "others' CPU %",
  ];
  const left = new Set([0, 1, 12]);
  const lines = [
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => (left.has(i) ? ":---" : "---:")).join("|")}|`,
  ];
  for (const row of rows) {
    const cells = [
      row.name,
      row.unit === "ms" ? "ms (p50)" : row.unit,
      figure(row.value, row.unit),
      figure(row.baseline, row.unit),
      figure(row.peer, row.unit),
      times(row.ratio),
      times(row.peerRatio),
      latencies(row.p50Ms, row.p99Ms),
      latencies(row.baselineP50Ms, row.baselineP99Ms),
      latencies(row.peerP50Ms, row.peerP99Ms),
      row.addedP99Ms === undefined ? "–" : ms(row.addedP99Ms),
      errorCell(row),
      targetCell(row),
      othersCell(row),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

function cpu(v: number | null | undefined): string {
  return v === null || v === undefined ? "?" : v.toFixed(2);
}

function httpNotes(rows: readonly ScenarioRow[], detail: { generator: string; layout: string }): string[] {
  const http = rows.filter((r) => r.switchyard && r.baselineRun);
  if (http.length === 0) return [];
  const out: string[] = [];
  const durations = http
    .map((r) => {
      const runs = [r.switchyard, r.baselineRun, ...(r.peerRun ? [r.peerRun] : [])];
      return (
        `${r.name} ${runs.map((m) => `${m?.durationSec.toFixed(1)} s`).join(" / ")}` +
        ` (${runs.map((m) => m?.ok).join(" / ")} good responses)`
      );
    })
    .join("; ");
  out.push(
    `HTTP, measured (Switchyard / baseline / peer), after ${http[0]?.primeSec ?? 0} s priming per target at the ` +
      `highest concurrency and ${http[0]?.warmupSec ?? 0} s warm-up per run: ${durations}.`,
  );
  out.push(detail.generator);
  out.push(detail.layout);
  out.push(
    `HTTP, CPU of the server process per good response, ms (Switchyard / baseline / peer, the peer's ` +
      `without the baseline server behind it): ${http
        .map((r) => {
          const db = r.switchyard?.databaseCpuMsPerRequest;
          const dbNote = db === undefined ? "" : ` (+ ${cpu(db)} in PostgreSQL)`;
          const peer = r.peerRun ? ` / ${cpu(r.peerRun.cpuMsPerRequest)}` : "";
          return `${r.name} ${cpu(r.switchyard?.cpuMsPerRequest)}${dbNote} / ${cpu(r.baselineRun?.cpuMsPerRequest)}${peer}`;
        })
        .join("; ")}.`,
  );
  for (const row of http) {
    const waits = row.switchyard?.databaseWaits;
    if (waits) {
      out.push(
        `${row.name}: PostgreSQL connections on average, by state (pool of 10): ${describePgWaits(waits)}.`,
      );
    }
  }
  for (const row of http) {
    for (const [who, run] of [
      ["Switchyard", row.switchyard],
      ["baseline", row.baselineRun],
      ["peer", row.peerRun],
    ] as const) {
      if (!run || run.errors === 0) continue;
      out.push(
        `**⚠ ${row.name} ${who}: ${run.errors} errors** — non-2xx ${run.non2xx}, bad bodies ${run.badBodies}, ` +
          `connection errors ${run.connectionErrors} (timeouts ${run.timeouts}), dropped ${run.dropped}; status codes ${JSON.stringify(run.statusCodes)}`,
      );
    }
  }
  return out;
}

function fanoutNotes(rows: readonly ScenarioRow[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const d = row.fanout;
    if (!d) continue;
    const c = d.concurrent;
    out.push(
      `${row.name}: ${d.layout}. ${d.jobMs.count} split jobs of ${(d.documentChars / 1000).toFixed(0)} KB ` +
        `(${d.chunks} chunks on ${d.distinctNodes} distinct nodes on average, handler ${d.handlerDelayMs} ms) ` +
        `alternating with ${d.chunkMs.count} one-chunk jobs, one at a time; router-reported job time p50 ` +
        `${d.routerJobMs.p50} ms. ${c.submitters} concurrent submitters: ${c.jobsPerSec} jobs/s ` +
        `(${c.jobs} jobs in ${c.durationSec} s, p50 ${c.latencyMs.p50} / p99 ${c.latencyMs.p99} ms, ${c.errors} errors), ` +
        `${cpu(c.cpuMsPerJob)} ms CPU per job in the system under test.` +
        (d.firstError ? ` **⚠ first error: ${d.firstError}**` : ""),
    );
  }
  const nats = rows.find((r) => r.fanout?.bus === "nats")?.fanout;
  const local = rows.find((r) => r.fanout?.bus === "in-process")?.fanout;
  if (nats && local && local.jobMs.p50 > 0 && local.chunkMs.p50 > 0 && local.concurrent.jobsPerSec > 0) {
    out.push(
      `Fan-out, NATS ÷ in-process: job p50 ${(nats.jobMs.p50 / local.jobMs.p50).toFixed(2)}, job p99 ` +
        `${(nats.jobMs.p99 / Math.max(local.jobMs.p99, 0.1)).toFixed(2)}, one chunk p50 ` +
        `${(nats.chunkMs.p50 / local.chunkMs.p50).toFixed(2)}, jobs/s ` +
        `${(nats.concurrent.jobsPerSec / local.concurrent.jobsPerSec).toFixed(2)}.`,
    );
  }
  return out;
}

function statusNotes(rows: readonly ScenarioRow[]): string[] {
  const out: string[] = [];
  const first = rows.find((r) => r.status)?.status;
  if (!first) return out;
  const load = first.load;
  out.push(
    `Status and metrics probes: from the bench process (which also runs the chat load), each endpoint in turn, ` +
      `a round every ${first.intervalMs} ms, fetch with keep-alive; latency from request to body read, ` +
      `nearest-rank (with fewer than 100 probes p99 is the slowest). Idle first, then during ` +
      `${load.durationSec.toFixed(1)} s of the ${load.connections}-connection chat load ` +
      `(${load.reqPerSec.toFixed(1)} req/s, p99 ${load.latencyMs.p99} ms, ${load.errors} errors), one ` +
      "Switchyard with metrics recorded as in `switchyard all` (router metrics on their own port)." +
      (load.errors > 0 ? " **⚠ the chat load had errors**" : ""),
  );
  for (const row of rows) {
    const d = row.status;
    if (!d) continue;
    const side = (s: StatusDetail["idle"]): string =>
      `${s.probes} probes, p50 ${s.latencyMs.p50} / p99 ${s.latencyMs.p99} / max ${s.latencyMs.max} ms, ${s.errors} errors` +
      (s.firstError ? ` (**⚠ first: ${s.firstError}**)` : "");
    out.push(`${row.name} (${d.endpoint}): under load ${side(d.underLoad)}; idle ${side(d.idle)}.`);
  }
  return out;
}

function ledgerNotes(rows: readonly ScenarioRow[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const d = row.ledger;
    if (!d) continue;
    const one = d.onePayer;
    const many = d.manyPayers;
    out.push(
      `${row.name}: ${d.storage}; ${d.concurrency} jobs in flight, each hold then settle (group commit). ` +
        `One payer: ${one.jobs} jobs in ${one.durationSec} s, settle p50 ${one.settleMs.p50} / p99 ` +
        `${one.settleMs.p99} ms, ${cpu(one.cpuMsPerJob)} ms CPU/job; ${many.payers} payers: ${many.jobs} jobs ` +
        `in ${many.durationSec} s, settle p50 ${many.settleMs.p50} / p99 ${many.settleMs.p99} ms, ` +
        `${cpu(many.cpuMsPerJob)} ms CPU/job. Conservation audit ${d.conservationOk ? "ok" : "**FAILED ⚠**"}.` +
        (one.firstError || many.firstError ? ` **⚠ first error: ${one.firstError ?? many.firstError}**` : ""),
    );
  }
  return out;
}

function grpcNotes(rows: readonly ScenarioRow[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const d = row.grpc;
    if (!d) continue;
    const side = (r: GrpcDetail["switchyard"]): string =>
      `${r.ok} calls in ${r.durationSec} s, p50 ${r.latencyMs.p50} / p99 ${r.latencyMs.p99} ms, ${r.errors} errors, ` +
      `generator at ${r.generatorCpuPct}% of a core` +
      (r.firstError ? ` (**⚠ first: ${r.firstError}**)` : "");
    out.push(
      `${row.name}: ${d.layout}. Switchyard: ${side(d.switchyard)}, ${cpu(row.cpuMsPerUnit)} ms CPU/job; ` +
        `raw grpc-js echo: ${side(d.baseline)}, ${cpu(row.baselineCpuMsPerUnit)} ms CPU/call.`,
    );
  }
  return out;
}

function sseNotes(rows: readonly ScenarioRow[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const d = row.sse;
    if (!d) continue;
    const side = (r: SseDetail["switchyard"]): string =>
      `${r.ok} good streams in ${r.durationSec} s, ${r.errors} errors` +
      (r.errors > 0 ? ` ${JSON.stringify(r.errorKinds)} (**⚠ first: ${r.firstError ?? "?"}**)` : "") +
      `, TTFT p50 ${r.ttftMs.p50} / p99 ${r.ttftMs.p99} / max ${r.ttftMs.max} ms, inter-piece p50 ` +
      `${r.interPieceMs.p50} / p99 ${r.interPieceMs.p99} / max ${r.interPieceMs.max} ms, ` +
      `${r.eventsPerStream} content events per stream, whole stream p50 ${r.streamMs.p50} ms, generator at ` +
      `${r.generatorCpuPct}% of a core`;
    out.push(
      `${row.name}: ${d.layout}. **Added TTFT p99 ${ms(d.addedTtftP99Ms)} ms, added inter-piece p99 ` +
        `${ms(d.addedInterPieceP99Ms)} ms.** Switchyard: ${side(d.switchyard)}; baseline: ${side(d.baseline)}.`,
    );
  }
  return out;
}

function soakNotes(rows: readonly ScenarioRow[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const d = row.soak;
    if (!d) continue;
    const l = d.load;
    out.push(
      `${row.name}: ${d.layout}. Capacity probe ${d.capacityReqPerSec} req/s at ${d.connections} connections, ` +
        `so ${d.rate} req/s for ${d.warmupSec} s of warm-up then ${d.durationSec} s: ${l.reqPerSec.toFixed(1)} req/s ` +
        `served, p50 ${l.latencyMs.p50} / p99 ${l.latencyMs.p99} ms, ${l.errors} errors. RSS of the router ` +
        `${d.routerRssMiB.afterWarmup} → ${d.routerRssMiB.atEnd} MiB, of the gateway ${d.gatewayRssMiB.afterWarmup} → ` +
        `${d.gatewayRssMiB.atEnd} MiB${d.sameProcess ? " (router and gateway are one process: the same figure)" : ""}; ` +
        `each end the median of a third of the readings; least-squares slope ${d.routerRssSlopeMiBPerMin} MiB/min; ` +
        `samples every ${d.sampleEverySec} s (MiB): ${d.routerRssSamplesMiB.join(", ")}. JavaScript heap in use ` +
        `(the router's process metrics) at its lowest in the first and the last third: ` +
        `${d.heapUsedLowMiB.firstThird ?? "?"} → ${d.heapUsedLowMiB.lastThird ?? "?"} MiB; at each reading (MiB): ` +
        `${d.heapUsedSamplesMiB.map((v) => v ?? "?").join(", ")}.`,
    );
  }
  return out;
}

/** "a, b = what; c = other": the rows' names grouped by a description they share. */
function grouped(rows: readonly ScenarioRow[], describe: (row: ScenarioRow) => string | undefined): string {
  const byText = new Map<string, string[]>();
  for (const row of rows) {
    const text = describe(row);
    if (text === undefined) continue;
    byText.set(text, [...(byText.get(text) ?? []), row.name]);
  }
  return [...byText].map(([text, names]) => `${names.join(", ")} = ${text}`).join("; ");
}

/** The lines printed under the table: what each baseline is, how it was measured, any errors. */
export function notes(rows: readonly ScenarioRow[], detail: { generator: string; layout: string }): string[] {
  const out: string[] = [];
  out.push(
    `Baseline: ${grouped(rows, (r) => r.comparison)}. ÷ baseline = Switchyard ÷ baseline. Ledger rows: ` +
      "p50/p99 are of `hold`; sse-512: of the time to first token.",
  );
  const picked = rows.filter((r) => r.baselinePick !== undefined);
  if (picked.length > 0) {
    out.push(`Baseline taken: ${picked.map((r) => `${r.name} ${r.baselinePick}`).join("; ")}.`);
  }
  if (rows.some((r) => r.peerComparison !== undefined)) {
    out.push(`Peer: ${grouped(rows, (r) => r.peerComparison)}. ÷ peer = Switchyard ÷ peer.`);
  }
  if (rows.some((r) => r.setup !== undefined))
    out.push(`Switchyard set-up: ${grouped(rows, (r) => r.setup)}.`);
  out.push(
    ...httpNotes(rows, detail),
    ...grpcNotes(rows),
    ...sseNotes(rows),
    ...soakNotes(rows),
    ...statusNotes(rows),
    ...fanoutNotes(rows),
    ...ledgerNotes(rows),
  );
  const disturbed = rows.filter((r) =>
    [r.otherCpuPct, r.baselineOtherCpuPct, r.peerOtherCpuPct].some(
      (v) => v !== null && v !== undefined && v > DISTURBED_CPU_PCT,
    ),
  );
  if (disturbed.length > 0) {
    out.push(
      `**⚠ The machine was not quiet** (other processes used over ${DISTURBED_CPU_PCT}% of a core during ${disturbed
        .map((r) => r.name)
        .join(", ")}): those numbers are understated.`,
    );
  }
  return out;
}

export async function writeReport(path: string, report: BenchReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
