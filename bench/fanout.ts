/**
 * The fan-out scenarios: a 100 KB document submitted as one splittable job, split into 8 chunks over 8
 * worker nodes, timed from the bench process through the gRPC client.
 *
 * - `fanout-100k` (called `fanout-100k-nats` before): two router replicas in two processes on a
 *   private nats-server and redis-server, 4 workers on each, the local shortcut off on both, the job
 *   submitted to replica A: every chunk (those for A's own nodes too) crosses NATS.
 * - `fanout-100k-inproc`: one router and the same 8 workers in one process, local delivery.
 *
 * Each is compared with "one chunk": a chunk-sized job (documentChars / maxChunks) of a capability the
 * workers do not declare splittable, through the same processes, so it runs whole on one node. Split
 * jobs and one-chunk jobs alternate, one at a time. Then a few clients submit split jobs at once for a
 * while, for jobs/s. Every answer is checked against the upper-cased input.
 */
import { performance } from "node:perf_hooks";
import { SwitchyardClient } from "../src/client/client.js";
import type { JobOutcome } from "../src/client/types.js";
import { type RunningChild, startChild, stopProcess } from "./children.js";
import { cpuMsPer, watchCpu } from "./cpu-usage.js";
import { proseDocument, SPLIT_CAPABILITY, WHOLE_CAPABILITY } from "./document.js";
import type { ScenarioRow } from "./report.js";
import type { RunningService } from "./services.js";
import type { BenchSettings } from "./settings.js";
import { type Percentiles, percentiles } from "./stats.js";
import { PROFILE_FLAGS } from "./targets.js";

export interface FanoutDetail {
  bus: "nats" | "in-process";
  layout: string;
  documentChars: number;
  chunkChars: number;
  /** Chunks per split job (the most seen). */
  chunks: number;
  /** Distinct nodes per split job, on average. */
  distinctNodes: number;
  workers: number;
  handlerDelayMs: number;
  /** Completion time of the split job, sequential, in ms. */
  jobMs: Percentiles;
  /** Completion time of the one-chunk job, sequential, in ms. */
  chunkMs: Percentiles;
  /** Router-reported duration of the split job (submission to merge, inside the router), in ms. */
  routerJobMs: Percentiles;
  sequentialErrors: number;
  chunkErrors: number;
  concurrent: {
    submitters: number;
    jobs: number;
    durationSec: number;
    jobsPerSec: number;
    latencyMs: Percentiles;
    errors: number;
    /** CPU of the system under test (router and worker processes, nats-server, redis-server) per job. */
    cpuMsPerJob: number | null;
    otherCpuPct: number | null;
  };
  otherCpuPct: number | null;
  /** The first error seen, if any. */
  firstError?: string;
}

interface Variant {
  name: string;
  bus: FanoutDetail["bus"];
  layout: string;
  /** gRPC address jobs are submitted to. */
  address: string;
  /** Processes of the system under test. */
  pids: number[];
}

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${(err as { code?: unknown }).code ?? err.name}: ${err.message}`;
  return String(err);
}

class Checker {
  errors = 0;
  first: string | undefined;

  fail(what: string): void {
    this.errors += 1;
    this.first ??= what;
  }
}

/** Submits one job, checks its answer and returns its outcome and time, or undefined after an error. */
async function timedJob(
  client: SwitchyardClient,
  capability: string,
  content: string,
  expected: string,
  deadlineMs: number,
  checker: Checker,
): Promise<{ ms: number; outcome: JobOutcome } | undefined> {
  const started = performance.now();
  try {
    const outcome = await client.submit({ capability, content, deadlineMs });
    const ms = performance.now() - started;
    if (outcome.output !== expected) {
      checker.fail(`${capability}: wrong output (${outcome.output.length} characters)`);
      return undefined;
    }
    return { ms, outcome };
  } catch (err) {
    checker.fail(`${capability}: ${describeError(err)}`);
    return undefined;
  }
}

async function measureVariant(variant: Variant, settings: BenchSettings): Promise<FanoutDetail> {
  const f = settings.fanout;
  const doc = proseDocument(f.documentChars);
  const chunk = doc.slice(0, Math.round(f.documentChars / f.maxChunks));
  const docUpper = doc.toUpperCase();
  const chunkUpper = chunk.toUpperCase();
  const client = new SwitchyardClient({ routers: variant.address });
  try {
    const warm = new Checker();
    for (let i = 0; i < f.warmupPairs; i++) {
      await timedJob(client, SPLIT_CAPABILITY, doc, docUpper, f.jobDeadlineMs, warm);
      await timedJob(client, WHOLE_CAPABILITY, chunk, chunkUpper, f.jobDeadlineMs, warm);
    }
    if (warm.errors > 0) progress(`⚠ ${variant.name} warm-up: ${warm.errors} errors, first: ${warm.first}`);

    const jobs = new Checker();
    const chunks = new Checker();
    const jobMs: number[] = [];
    const chunkMs: number[] = [];
    const routerJobMs: number[] = [];
    let mostChunks = 0;
    let distinct = 0;
    const sequentialCpu = watchCpu(variant.pids);
    const until = Date.now() + f.sequentialLimitSec * 1000;
    for (let i = 0; i < f.pairs && Date.now() < until; i++) {
      const split = await timedJob(client, SPLIT_CAPABILITY, doc, docUpper, f.jobDeadlineMs, jobs);
      if (split) {
        jobMs.push(split.ms);
        routerJobMs.push(split.outcome.durationMs);
        mostChunks = Math.max(mostChunks, split.outcome.chunks);
        distinct += new Set(split.outcome.nodeIds).size;
      }
      const one = await timedJob(client, WHOLE_CAPABILITY, chunk, chunkUpper, f.jobDeadlineMs, chunks);
      if (one) chunkMs.push(one.ms);
    }
    const sequentialOthers = sequentialCpu()?.otherCpuPct ?? null;

    const concurrent = new Checker();
    const latencies: number[] = [];
    let sent = 0;
    const concurrentCpu = watchCpu(variant.pids);
    const started = performance.now();
    const stopAt = Date.now() + f.concurrentSec * 1000;
    await Promise.all(
      Array.from({ length: f.submitters }, async () => {
        while (sent < f.concurrentMaxJobs && Date.now() < stopAt) {
          sent += 1;
          const done = await timedJob(client, SPLIT_CAPABILITY, doc, docUpper, f.jobDeadlineMs, concurrent);
          if (done) latencies.push(done.ms);
        }
      }),
    );
    const durationSec = (performance.now() - started) / 1000;
    const cpu = concurrentCpu();
    const concurrentOthers = cpu?.otherCpuPct ?? null;
    const others = [sequentialOthers, concurrentOthers].filter((v): v is number => v !== null);
    const firstError = jobs.first ?? chunks.first ?? concurrent.first;
    return {
      bus: variant.bus,
      layout: variant.layout,
      documentChars: doc.length,
      chunkChars: chunk.length,
      chunks: mostChunks,
      distinctNodes: jobMs.length > 0 ? Math.round((10 * distinct) / jobMs.length) / 10 : 0,
      workers: f.workers,
      handlerDelayMs: f.handlerDelayMs,
      jobMs: percentiles(jobMs),
      chunkMs: percentiles(chunkMs),
      routerJobMs: percentiles(routerJobMs),
      sequentialErrors: jobs.errors,
      chunkErrors: chunks.errors,
      concurrent: {
        submitters: f.submitters,
        jobs: latencies.length,
        durationSec: Math.round(durationSec * 100) / 100,
        jobsPerSec: durationSec > 0 ? Math.round((10 * latencies.length) / durationSec) / 10 : 0,
        latencyMs: percentiles(latencies),
        errors: concurrent.errors,
        cpuMsPerJob: cpuMsPer(cpu, latencies.length),
        otherCpuPct: concurrentOthers,
      },
      otherCpuPct: others.length > 0 ? Math.max(...others) : null,
      ...(firstError === undefined ? {} : { firstError }),
    };
  } finally {
    client.close();
  }
}

function fanoutRow(name: string, d: FanoutDetail): ScenarioRow {
  return {
    name,
    unit: "ms",
    value: d.jobMs.p50,
    baseline: d.chunkMs.p50,
    ratio: d.chunkMs.p50 > 0 ? Math.round((1000 * d.jobMs.p50) / d.chunkMs.p50) / 1000 : 0,
    comparison: `one ${(d.chunkChars / 1000).toFixed(1)} KB chunk-sized job, not split, same processes`,
    p50Ms: d.jobMs.p50,
    p99Ms: d.jobMs.p99,
    errors: d.sequentialErrors + d.concurrent.errors,
    baselineP50Ms: d.chunkMs.p50,
    baselineP99Ms: d.chunkMs.p99,
    baselineErrors: d.chunkErrors,
    otherCpuPct: d.otherCpuPct,
    baselineOtherCpuPct: d.otherCpuPct,
    cpuMsPerUnit: d.concurrent.cpuMsPerJob,
    baselineCpuMsPerUnit: null,
    fanout: d,
  };
}

function serverFlags(settings: BenchSettings): string[] {
  return settings.profile ? [...PROFILE_FLAGS] : [];
}

/**
 * Starts the three server processes (replicas A and B on NATS, the in-process router), measures the
 * NATS variant then the in-process one, and stops them.
 */
export async function fanoutScenarios(
  settings: BenchSettings,
  services: { nats: RunningService; redis: RunningService },
): Promise<ScenarioRow[]> {
  const f = settings.fanout;
  const common = [
    ...["--concurrency", String(f.workerConcurrency), "--delay-ms", String(f.handlerDelayMs)],
    ...["--log-level", settings.logLevel, "--expect-nodes", String(f.workers)],
  ];
  const cluster = ["--bus", "nats", "--nats", services.nats.url, "--redis", services.redis.url];
  const half = Math.floor(f.workers / 2);
  const start = (name: string, args: string[]): Promise<RunningChild> =>
    startChild({
      name,
      script: "bench/servers/fanout-server.ts",
      args: [...args, ...common],
      nodeFlags: serverFlags(settings),
    });
  const [a, b, local] = await Promise.all([
    start("fanout replica A", [...cluster, "--id", "bench-a", "--workers", String(f.workers - half)]),
    start("fanout replica B", [
      ...cluster,
      ...["--id", "bench-b", "--workers", String(half), "--first-worker", String(f.workers - half + 1)],
    ]),
    start("fanout in-process", ["--bus", "local", "--id", "bench-local", "--workers", String(f.workers)]),
  ]);
  progress(
    `fan-out: replica A pid ${a.pid} at ${a.url}, replica B pid ${b.pid} at ${b.url}, ` +
      `in-process router pid ${local.pid} at ${local.url}`,
  );
  try {
    const nats = await measureVariant(
      {
        name: "fanout-100k",
        bus: "nats",
        layout:
          `replicas A and B in two processes, ${f.workers - half} + ${half} workers, NATS and Redis, ` +
          "local shortcut off, jobs submitted to A",
        address: a.url,
        pids: [a.pid, b.pid, services.nats.pid, services.redis.pid],
      },
      settings,
    );
    progress(`fanout-100k: ${describe(nats)}`);
    const inproc = await measureVariant(
      {
        name: "fanout-100k-inproc",
        bus: "in-process",
        layout: `one router and ${f.workers} workers in one process, local delivery`,
        address: local.url,
        pids: [local.pid],
      },
      settings,
    );
    progress(`fanout-100k-inproc: ${describe(inproc)}`);
    return [fanoutRow("fanout-100k", nats), fanoutRow("fanout-100k-inproc", inproc)];
  } finally {
    await Promise.all([a, b, local].map((c) => stopProcess(c.pid)));
  }
}

function describe(d: FanoutDetail): string {
  const c = d.concurrent;
  return (
    `job p50 ${d.jobMs.p50} / p99 ${d.jobMs.p99} ms (${d.jobMs.count} jobs, ${d.chunks} chunks on ` +
    `${d.distinctNodes} nodes), one chunk p50 ${d.chunkMs.p50} / p99 ${d.chunkMs.p99} ms; ` +
    `${c.jobsPerSec} jobs/s with ${c.submitters} submitters (${c.jobs} jobs, p50 ${c.latencyMs.p50} ms), ` +
    `${d.sequentialErrors + d.chunkErrors + c.errors} errors` +
    (d.firstError ? ` (first: ${d.firstError})` : "") +
    (c.cpuMsPerJob === null ? "" : `, ${c.cpuMsPerJob} ms CPU/job`) +
    (d.otherCpuPct === null ? "" : `, others used ${d.otherCpuPct}% CPU`)
  );
}
