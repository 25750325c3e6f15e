/**
 * `sse-512`: 512 streamed chat completions open at once (`stream: true`), each answered with
 * STREAM_PIECES pieces PIECE_INTERVAL_MS apart: by the Switchyard of the HTTP scenarios (its worker's
 * chat handler streams them) and by the bare baseline server (streaming the same SSE shape at the same
 * pace). The generator (generators/sse-streams.ts) runs in a child process of its own; the row gives
 * errors, time to first token and inter-piece time of both sides, and what Switchyard adds.
 */
import { pickBaseline } from "./baseline-pick.js";
import { CHAT_PATH, PIECE_INTERVAL_MS, STREAM_PIECES, STREAM_REQUEST_BODY, STREAMED_ANSWER } from "./chat.js";
import { cpuMsPer, watchCpu } from "./cpu-usage.js";
import { runGenerator } from "./generator.js";
import type { SseJob, SseResult } from "./generators/sse-streams.js";
import type { HttpTarget } from "./http.js";
import { round, type ScenarioRow } from "./report.js";
import type { BenchSettings } from "./settings.js";

export interface SseDetail {
  layout: string;
  switchyard: SseResult;
  baseline: SseResult;
  /** Switchyard's p99 minus the baseline's. */
  addedTtftP99Ms: number;
  addedInterPieceP99Ms: number;
  interPieceP99Ms: number;
  baselineInterPieceP99Ms: number;
}

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

async function drive(
  label: string,
  target: HttpTarget,
  settings: BenchSettings,
): Promise<{ result: SseResult; cpuMs: number | null; others: number | null }> {
  const s = settings.sse;
  const job: SseJob = {
    url: `${target.child.url}${CHAT_PATH}`,
    body: STREAM_REQUEST_BODY,
    headers: target.headers,
    expected: STREAMED_ANSWER,
    streamMs: STREAM_PIECES * PIECE_INTERVAL_MS,
    streams: s.streams,
    durationSec: s.durationSec,
    maxStreams: s.maxStreams,
    timeoutSec: s.timeoutSec,
  };
  const cpuSince = watchCpu([target.child.pid]);
  const result = await runGenerator<SseResult>({
    name: label,
    script: "bench/generators/sse-streams.ts",
    input: job,
    // The warm-up wave, the measured time and the last streams, each bounded by the silence timeout.
    limitMs: (s.durationSec + 3 * s.timeoutSec) * 1000 + 60_000,
  });
  const cpu = cpuSince();
  const cpuMs = cpuMsPer(cpu, result.ok + result.warmupOk);
  const others = cpu?.otherCpuPct ?? null;
  if (result.warmupErrors > 0) progress(`⚠ ${label} warm-up wave: ${result.warmupErrors} errors`);
  progress(
    `${label}: ${result.ok} streams in ${result.durationSec} s, ${result.errors} errors` +
      (result.errors > 0 ? ` ${JSON.stringify(result.errorKinds)} (first: ${result.firstError})` : "") +
      `, TTFT p50 ${result.ttftMs.p50} / p99 ${result.ttftMs.p99} ms, inter-piece p50 ` +
      `${result.interPieceMs.p50} / p99 ${result.interPieceMs.p99} ms, ${result.eventsPerStream} events/stream, ` +
      `generator at ${result.generatorCpuPct}% of a core` +
      (cpuMs === null ? "" : `, ${cpuMs} ms CPU/stream`) +
      (others === null ? "" : `, others used ${others}% CPU`),
  );
  return { result, cpuMs, others };
}

export async function sseScenarios(
  settings: BenchSettings,
  targets: { baseline: HttpTarget; switchyard: HttpTarget },
  switchyardNote: string,
): Promise<ScenarioRow[]> {
  const s = settings.sse;
  const before = await drive("sse-512 baseline (before)", targets.baseline, settings);
  const sy = await drive("sse-512 Switchyard", targets.switchyard, settings);
  const after = await drive("sse-512 baseline (after)", targets.baseline, settings);
  // The target is on the added TTFT p99: the baseline run with the lower one is compared against.
  const pick = pickBaseline(before, after, {
    name: "TTFT p99",
    unit: "ms",
    digits: 2,
    figure: (run) => run.result.ttftMs.p99,
    higherIsBetter: false,
    errors: (run) => run.result.errors,
  });
  const base = pick.run;
  const b = base.result;
  const y = sy.result;
  const addedTtftP99Ms = round(y.ttftMs.p99 - b.ttftMs.p99, 2);
  const detail: SseDetail = {
    layout:
      `${s.streams} streams open at once from a generator process (node:http keep-alive agent), closed loop, ` +
      "lanes started spread over one stream's length; one discarded stream per lane, then streams started " +
      `over ${s.durationSec} s; ${STREAM_PIECES} ` +
      `pieces ${PIECE_INTERVAL_MS} ms apart per stream; TTFT = request sent to first content event; ` +
      `Switchyard: ${switchyardNote}`,
    switchyard: y,
    baseline: b,
    addedTtftP99Ms,
    addedInterPieceP99Ms: round(y.interPieceMs.p99 - b.interPieceMs.p99, 2),
    interPieceP99Ms: y.interPieceMs.p99,
    baselineInterPieceP99Ms: b.interPieceMs.p99,
  };
  return [
    {
      name: "sse-512",
      unit: "ms (TTFT p99)",
      value: y.ttftMs.p99,
      baseline: b.ttftMs.p99,
      ratio: b.ttftMs.p99 > 0 ? round(y.ttftMs.p99 / b.ttftMs.p99, 3) : 0,
      comparison: "bare node:http server streaming the same SSE shape at the same pace",
      baselinePick: pick.note,
      setup: switchyardNote,
      connections: s.streams,
      p50Ms: y.ttftMs.p50,
      p99Ms: y.ttftMs.p99,
      errors: y.errors,
      baselineP50Ms: b.ttftMs.p50,
      baselineP99Ms: b.ttftMs.p99,
      baselineErrors: b.errors,
      addedP99Ms: addedTtftP99Ms,
      target: "no errors, added TTFT p99 ≤ 5 ms",
      targetMet: y.errors === 0 && addedTtftP99Ms <= 5,
      otherCpuPct: sy.others,
      baselineOtherCpuPct: base.others,
      cpuMsPerUnit: sy.cpuMs,
      baselineCpuMsPerUnit: base.cpuMs,
      sse: detail,
    },
  ];
}
