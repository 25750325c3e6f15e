/**
 * `soak`: a fresh Switchyard set up as in the HTTP scenarios (billing on, ledger on the private
 * PostgreSQL) under the chat request at a fixed rate for minutes, to see whether its memory keeps
 * growing. The rate is a share of the capacity a short closed-loop c64 probe finds, capped, so that the
 * load stays well below what the process can serve. After a warm-up at that rate the resident set size
 * (VmRSS of /proc/PID/status) of the router and of the gateway is read, then again every few seconds and
 * at the end; the row gives the growth after warm-up in percent, from the median of the first third of
 * the readings to the median of the last third. RSS swings by tens of MiB between garbage collections
 * (V8 grows and shrinks its heap), so a reading or two at either end would make the figure mostly noise;
 * a leak is a trend, which moves the medians of whole thirds, and the least-squares slope is reported
 * beside them. Beside each RSS reading the JavaScript heap in use is read from the router's process
 * metrics (the server records metrics as `switchyard all` does): its lowest readings in the first and
 * the last third, taken just after collections, tell retained objects from garbage not yet collected.
 * Router and gateway run in one process here, so both figures are that process's.
 */
import { readFileSync } from "node:fs";
import { type RunningChild, stopProcess } from "./children.js";
import { type LoadResult, runLoad } from "./load.js";
import { round, type ScenarioRow } from "./report.js";
import type { PostgresService } from "./services.js";
import type { BenchSettings } from "./settings.js";
import { checkAnswers, requestHeaders, startSwitchyard } from "./targets.js";

export interface SoakDetail {
  layout: string;
  connections: number;
  /** Good responses per second of the closed-loop probe. */
  capacityReqPerSec: number;
  /** The fixed rate, requests per second. */
  rate: number;
  warmupSec: number;
  durationSec: number;
  sampleEverySec: number;
  /** True when router and gateway are one process (their figures are the same). */
  sameProcess: boolean;
  /** Median of the first and of the last third of the readings, and the highest reading. */
  routerRssMiB: { afterWarmup: number; atEnd: number; max: number };
  gatewayRssMiB: { afterWarmup: number; atEnd: number; max: number };
  /** The router's RSS from the end of the warm-up to the end, every `sampleEverySec`. */
  routerRssSamplesMiB: number[];
  /** Least-squares slope of those readings, MiB per minute. */
  routerRssSlopeMiBPerMin: number;
  /**
   * The JavaScript heap in use (`nodejs_heap_size_used_bytes`) at each RSS reading, MiB (null where it
   * could not be read), and its lowest readings in the first and the last third.
   */
  heapUsedSamplesMiB: Array<number | null>;
  heapUsedLowMiB: { firstThird: number | null; lastThird: number | null };
  /** The measured fixed-rate load. */
  load: Pick<LoadResult, "durationSec" | "ok" | "reqPerSec" | "errors" | "latencyMs" | "statusCodes">;
}

/** The share of the readings at each end of the soak whose median is taken as its RSS there. */
const EDGE_SHARE = 1 / 3;

/** Least-squares slope of readings taken `stepSec` apart, per minute. */
function slopePerMin(values: readonly number[], stepSec: number): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return (num / den) * (60 / stepSec);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/** The lowest of the readings that were taken, or null if none was. */
function lowest(values: ReadonlyArray<number | null>): number | null {
  const read = values.filter((v): v is number => v !== null);
  return read.length === 0 ? null : Math.min(...read);
}

/** The JavaScript heap in use, MiB, from a Prometheus scrape of the process metrics, or null. */
async function heapUsedMiB(metricsUrl: string | undefined): Promise<number | null> {
  if (!metricsUrl) return null;
  try {
    const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(2_000) })).text();
    const match = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
    return match ? round(Number(match[1]) / 1048576, 1) : null;
  } catch {
    return null;
  }
}

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

/** Resident set size of a process in MiB, from /proc (Linux), or NaN where unreadable. */
export function rssMiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? round(Number(match[1]) / 1024, 1) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export async function soakScenario(
  settings: BenchSettings,
  postgres: PostgresService | undefined,
  skipped: string[],
): Promise<ScenarioRow[]> {
  const s = settings.soak;
  if (!postgres) {
    skipped.push("soak: no PostgreSQL server could be started");
    return [];
  }
  const databaseUrl = await postgres.createDatabase("bench_soak");
  let child: RunningChild | undefined;
  try {
    child = await startSwitchyard(settings, "switchyard (soak)", { kind: "postgres", databaseUrl }, true);
    const metricsUrl = child.shared["router-metrics-url"];
    progress(`soak target: ${child.name} pid ${child.pid} at ${child.url}`);
    await checkAnswers(child);
    const load = {
      url: child.url,
      connections: s.connections,
      timeoutSec: settings.timeoutSec,
      headers: requestHeaders(child),
    };
    const probe = await runLoad({ ...load, durationSec: s.capacitySec });
    const rate = Math.max(1, Math.min(s.maxRate, Math.floor(probe.reqPerSec * s.capacityShare)));
    progress(
      `soak: capacity probe ${probe.reqPerSec.toFixed(1)} req/s (${probe.errors} errors), so ${rate} req/s ` +
        `for ${s.warmupSec} s of warm-up then ${s.durationSec} s`,
    );
    const warm = await runLoad({ ...load, durationSec: s.warmupSec, overallRate: rate });
    if (warm.errors > 0) progress(`⚠ soak warm-up: ${warm.errors} errors`);
    const pid = child.pid;
    const samples: number[] = [];
    const heapReads: Array<Promise<number | null>> = [];
    const read = (): void => {
      samples.push(rssMiB(pid));
      heapReads.push(heapUsedMiB(metricsUrl));
    };
    read();
    const sampler = setInterval(read, s.sampleEverySec * 1000);
    let measured: LoadResult;
    try {
      measured = await runLoad({ ...load, durationSec: s.durationSec, overallRate: rate });
    } finally {
      clearInterval(sampler);
    }
    read();
    const heap = await Promise.all(heapReads);
    // RSS swings by tens of MiB between collections, so each end is the median of a third of the readings.
    const edge = Math.max(1, Math.floor(samples.length * EDGE_SHARE));
    const afterWarmup = median(samples.slice(0, edge));
    const atEnd = median(samples.slice(-edge));
    const slope = round(slopePerMin(samples, s.sampleEverySec), 2);
    const max = Math.max(...samples);
    const growthPct = round((100 * (atEnd - afterWarmup)) / afterWarmup, 1);
    const heapLow = { firstThird: lowest(heap.slice(0, edge)), lastThird: lowest(heap.slice(-edge)) };
    progress(
      `soak: ${measured.reqPerSec.toFixed(1)} req/s, p99 ${measured.latencyMs.p99} ms, ${measured.errors} errors; ` +
        `RSS ${afterWarmup} → ${atEnd} MiB (max ${max}), ${growthPct}%, slope ${slope} MiB/min; ` +
        `JS heap in use at its lowest ${heapLow.firstThird ?? "?"} → ${heapLow.lastThird ?? "?"} MiB`,
    );
    const rss = { afterWarmup, atEnd, max };
    const detail: SoakDetail = {
      layout:
        `a fresh Switchyard (router + gateway in one process, its worker in another, billing on PostgreSQL, ` +
        `metrics recorded), chat ` +
        `request at a fixed rate over ${s.connections} keep-alive connections (autocannon overallRate)` +
        (settings.quick ? "; a short soak (--quick)" : ""),
      connections: s.connections,
      capacityReqPerSec: round(probe.reqPerSec, 1),
      rate,
      warmupSec: s.warmupSec,
      durationSec: s.durationSec,
      sampleEverySec: s.sampleEverySec,
      sameProcess: true,
      routerRssMiB: rss,
      gatewayRssMiB: rss,
      routerRssSamplesMiB: samples,
      routerRssSlopeMiBPerMin: slope,
      heapUsedSamplesMiB: heap,
      heapUsedLowMiB: heapLow,
      load: {
        durationSec: measured.durationSec,
        ok: measured.ok,
        reqPerSec: measured.reqPerSec,
        errors: measured.errors,
        latencyMs: measured.latencyMs,
        statusCodes: measured.statusCodes,
      },
    };
    return [
      {
        name: "soak",
        unit: "% RSS growth",
        value: growthPct,
        comparison: "none: RSS at the end against RSS after the warm-up, same process",
        connections: s.connections,
        warmupSec: s.warmupSec,
        p50Ms: measured.latencyMs.p50,
        p99Ms: measured.latencyMs.p99,
        errors: measured.errors,
        baselineErrors: 0,
        target: "RSS grows < 10% after warm-up",
        targetMet: growthPct < 10,
        otherCpuPct: null,
        baselineOtherCpuPct: null,
        cpuMsPerUnit: null,
        baselineCpuMsPerUnit: null,
        soak: detail,
      },
    ];
  } finally {
    if (child) await stopProcess(child.pid);
  }
}
