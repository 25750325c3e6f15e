/**
 * `grpc-submit-c64`: JobService.Submit with a 0 ms handler (the `echo` capability of the bench worker),
 * 64 calls in flight on one channel, against the Switchyard of the HTTP scenarios (billing on: every
 * call carries the client key as `authorization: Bearer <key>` metadata, as SwitchyardClient sends it).
 * Baseline: a raw @grpc/grpc-js unary echo server in a child process of its own, sent the same request
 * bytes, measured before and after Switchyard (the faster run is the baseline, see baseline-pick.ts).
 * All runs are driven by the same generator (generators/grpc-unary.ts) in a child process of its own.
 */
import { SubmitJobRequest } from "../src/gen/switchyard/v1/job.js";
import { pickBaseline } from "./baseline-pick.js";
import { ECHO_CAPABILITY, ECHO_CONTENT, ECHO_METHOD } from "./chat.js";
import { type RunningChild, stopProcess } from "./children.js";
import { cpuMsPer, watchCpu } from "./cpu-usage.js";
import { runGenerator } from "./generator.js";
import type { GrpcJob, GrpcResult } from "./generators/grpc-unary.js";
import { round, type ScenarioRow } from "./report.js";
import type { BenchSettings } from "./settings.js";
import { startGrpcEcho } from "./targets.js";

export interface GrpcDetail {
  layout: string;
  switchyard: GrpcResult;
  baseline: GrpcResult;
}

const SUBMIT_METHOD = "/switchyard.v1.JobService/Submit";

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

function describe(r: GrpcResult, cpuMs: number | null, others: number | null): string {
  return (
    `${r.callsPerSec} calls/s (${r.ok} in ${r.durationSec} s), p50 ${r.latencyMs.p50} / p99 ` +
    `${r.latencyMs.p99} ms, ${r.errors} errors${r.firstError ? ` (first: ${r.firstError})` : ""}, ` +
    `generator at ${r.generatorCpuPct}% of a core` +
    (cpuMs === null ? "" : `, ${cpuMs} ms CPU/call`) +
    (others === null ? "" : `, others used ${others}% CPU`)
  );
}

async function drive(
  label: string,
  pid: number,
  job: GrpcJob,
  settings: BenchSettings,
): Promise<{ result: GrpcResult; cpuMs: number | null; others: number | null }> {
  const g = settings.grpc;
  // The CPU window covers the generator's warm-up too; its calls are counted at the measured rate.
  const cpuSince = watchCpu([pid]);
  const result = await runGenerator<GrpcResult>({
    name: label,
    script: "bench/generators/grpc-unary.ts",
    input: job,
    limitMs: (g.warmupSec + g.durationSec) * 1000 + 2 * g.timeoutMs + 30_000,
  });
  const cpu = cpuSince();
  const calls = result.warmupOk + result.ok;
  const cpuMs = cpuMsPer(cpu, calls);
  const others = cpu?.otherCpuPct ?? null;
  if (result.warmupErrors > 0) progress(`⚠ ${label} warm-up: ${result.warmupErrors} errors`);
  progress(`${label}: ${describe(result, cpuMs, others)}`);
  return { result, cpuMs, others };
}

/**
 * Measures the raw echo server, Switchyard, and the echo server again; starts and stops the echo
 * server.
 */
export async function grpcScenarios(
  settings: BenchSettings,
  switchyard: RunningChild,
  switchyardNote: string,
): Promise<ScenarioRow[]> {
  const g = settings.grpc;
  const address = switchyard.shared["router-address"];
  if (!address) throw new Error(`${switchyard.name} did not share its router address`);
  const key = switchyard.shared["client-key"];
  const request = Buffer.from(
    SubmitJobRequest.encode(
      SubmitJobRequest.fromPartial({
        capability: ECHO_CAPABILITY,
        content: ECHO_CONTENT,
        deadlineMs: g.timeoutMs,
      }),
    ).finish(),
  ).toString("base64");
  const common = {
    requestBase64: request,
    expect: ECHO_CONTENT,
    inFlight: g.inFlight,
    warmupSec: g.warmupSec,
    durationSec: g.durationSec,
    maxCalls: g.maxCalls,
    timeoutMs: g.timeoutMs,
  };
  const echo = await startGrpcEcho();
  progress(`gRPC baseline: ${echo.name} pid ${echo.pid} at ${echo.url}; Switchyard router at ${address}`);
  try {
    const echoJob: GrpcJob = { ...common, address: echo.url, method: ECHO_METHOD, metadata: {} };
    const before = await drive("grpc-submit-c64 baseline (before)", echo.pid, echoJob, settings);
    const sy = await drive(
      "grpc-submit-c64 Switchyard",
      switchyard.pid,
      {
        ...common,
        address,
        method: SUBMIT_METHOD,
        metadata: key === undefined ? {} : { authorization: `Bearer ${key}` },
      },
      settings,
    );
    const after = await drive("grpc-submit-c64 baseline (after)", echo.pid, echoJob, settings);
    const pick = pickBaseline(before, after, {
      name: "rate",
      unit: "calls/s",
      digits: 1,
      figure: (run) => run.result.callsPerSec,
      higherIsBetter: true,
      errors: (run) => run.result.errors,
    });
    const base = pick.run;
    const ratio = base.result.callsPerSec > 0 ? round(sy.result.callsPerSec / base.result.callsPerSec, 3) : 0;
    const detail: GrpcDetail = {
      layout:
        `${g.inFlight} unary calls in flight on one channel, closed loop, from a generator process; ` +
        `${g.warmupSec} s warm-up, ${g.durationSec} s measured; Switchyard: JobService.Submit of capability ` +
        `${ECHO_CAPABILITY} (0 ms handler), ${switchyardNote}`,
      switchyard: sy.result,
      baseline: base.result,
    };
    return [
      {
        name: "grpc-submit-c64",
        unit: "jobs/s",
        value: sy.result.callsPerSec,
        baseline: base.result.callsPerSec,
        ratio,
        comparison: "raw @grpc/grpc-js unary echo server (same request bytes, same generator)",
        baselinePick: pick.note,
        setup: switchyardNote,
        connections: g.inFlight,
        warmupSec: g.warmupSec,
        p50Ms: sy.result.latencyMs.p50,
        p99Ms: sy.result.latencyMs.p99,
        errors: sy.result.errors,
        baselineP50Ms: base.result.latencyMs.p50,
        baselineP99Ms: base.result.latencyMs.p99,
        baselineErrors: base.result.errors,
        addedP99Ms: round(sy.result.latencyMs.p99 - base.result.latencyMs.p99, 2),
        target: "≥ 0.5× baseline",
        targetMet: ratio >= 0.5,
        otherCpuPct: sy.others,
        baselineOtherCpuPct: base.others,
        cpuMsPerUnit: sy.cpuMs,
        baselineCpuMsPerUnit: base.cpuMs,
        grpc: detail,
      },
    ];
  } finally {
    await stopProcess(echo.pid);
  }
}
