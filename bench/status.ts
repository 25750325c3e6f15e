/**
 * The status-metrics scenarios: how long the read-only endpoints an operator or a scraper polls take
 * while the http-chat-c64 load runs. Against one Switchyard (router + gateway, and its worker, metrics on as
 * in `switchyard all`), the bench process probes, one after the other, `GET /api/v1/status` (gateway,
 * served from a cache of at most 1 s), `GET /metrics` on the gateway and `GET /metrics` on the router's
 * metrics port, a round every `intervalMs`: first against the idle server, then while the chat load
 * runs, in the same run.
 */
import { type RunningChild, stopProcess } from "./children.js";
import { watchCpu } from "./cpu-usage.js";
import { type LoadResult, runLoad } from "./load.js";
import type { ScenarioRow } from "./report.js";
import { BILLING_BASE, STATUS_SCENARIOS } from "./scenarios.js";
import type { BenchSettings } from "./settings.js";
import { type Percentiles, percentiles } from "./stats.js";
import { checkAnswers, requestHeaders, startSwitchyard } from "./targets.js";

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

/** One probed endpoint and how its answer is checked. */
interface Endpoint {
  name: string;
  url: string;
  isGood: (body: string) => boolean;
}

/** The probes of one endpoint over one phase (idle or under load). */
export interface ProbeStats {
  probes: number;
  /** Latency of the good answers, in ms (request sent to body read), nearest-rank. */
  latencyMs: Percentiles;
  /** Non-200 answers, unexpected bodies, connection errors and timeouts. */
  errors: number;
  firstError?: string;
}

export interface StatusDetail {
  endpoint: string;
  url: string;
  intervalMs: number;
  idle: ProbeStats;
  underLoad: ProbeStats;
  /** The chat load the under-load probes ran beside. */
  load: Pick<LoadResult, "connections" | "durationSec" | "ok" | "reqPerSec" | "errors" | "latencyMs">;
}

const isStatusBody = (body: string): boolean => {
  try {
    return typeof (JSON.parse(body) as { nodes_online?: unknown }).nodes_online === "number";
  } catch {
    return false;
  }
};
const isMetricsBody = (body: string): boolean => body.includes("# TYPE ");

type Probe = { ms: number } | { error: string };

async function probe(endpoint: Endpoint, timeoutMs: number): Promise<Probe> {
  const startedAt = performance.now();
  try {
    const res = await fetch(endpoint.url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    const ms = performance.now() - startedAt;
    if (res.status !== 200) return { error: `${res.status} ${body.slice(0, 200)}` };
    if (!endpoint.isGood(body)) return { error: `unexpected body ${body.slice(0, 200)}` };
    return { ms };
  } catch (err) {
    return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

/**
 * Rounds of probes, each endpoint in turn, a round starting every `intervalMs` (at once when the
 * previous one took longer); stops after `durationMs`, `maxRounds` rounds, or once `done()` is true.
 */
async function probeRounds(
  endpoints: readonly Endpoint[],
  options: { intervalMs: number; durationMs: number; timeoutMs: number; done?: () => boolean },
): Promise<ProbeStats[]> {
  const samples = endpoints.map(() => [] as number[]);
  const errors = endpoints.map(() => 0);
  const firstErrors: Array<string | undefined> = endpoints.map(() => undefined);
  const maxRounds = Math.ceil(options.durationMs / options.intervalMs);
  const startedAt = performance.now();
  for (let round = 0; round < maxRounds; round++) {
    const roundStart = performance.now();
    if (roundStart - startedAt >= options.durationMs || options.done?.()) break;
    for (const [i, endpoint] of endpoints.entries()) {
      const result = await probe(endpoint, options.timeoutMs);
      if ("ms" in result) samples[i]?.push(result.ms);
      else {
        errors[i] = (errors[i] ?? 0) + 1;
        firstErrors[i] ??= result.error;
      }
    }
    const waitMs = options.intervalMs - (performance.now() - roundStart);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  return endpoints.map((_, i) => {
    const firstError = firstErrors[i];
    return {
      probes: (samples[i]?.length ?? 0) + (errors[i] ?? 0),
      latencyMs: percentiles(samples[i] ?? []),
      errors: errors[i] ?? 0,
      ...(firstError ? { firstError } : {}),
    };
  });
}

function describe(name: string, s: ProbeStats): string {
  const l = s.latencyMs;
  return `${name}: ${s.probes} probes, p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms, ${s.errors} errors`;
}

/** Starts a Switchyard with metrics on, probes it idle and under the c64 chat load, and stops it. */
export async function statusScenarios(settings: BenchSettings): Promise<ScenarioRow[]> {
  const { durationSec, intervalMs, probeTimeoutMs } = settings.status;
  let target: RunningChild | undefined;
  try {
    target = await startSwitchyard(settings, "switchyard (metrics on)", undefined, true);
    const routerMetricsUrl = target.shared["router-metrics-url"];
    if (!routerMetricsUrl) throw new Error(`${target.name} did not share its router metrics URL`);
    progress(
      `status target: ${target.name} pid ${target.pid} at ${target.url}, router metrics ${routerMetricsUrl}`,
    );
    const urls = [`${target.url}/api/v1/status`, `${target.url}/metrics`, routerMetricsUrl];
    const endpoints: Endpoint[] = STATUS_SCENARIOS.map((s, i) => ({
      name: s.endpoint,
      url: urls[i] as string,
      isGood: i === 0 ? isStatusBody : isMetricsBody,
    }));
    await checkAnswers(target);
    const load = {
      url: target.url,
      connections: BILLING_BASE.connections,
      timeoutSec: settings.timeoutSec,
      headers: requestHeaders(target),
    };
    const primed = await runLoad({ ...load, durationSec: settings.primeSec });
    progress(`primed ${target.name}: ${primed.ok} good responses, ${primed.errors} errors`);
    // A discarded second of probes, so that the probes' own code paths are warm on both sides.
    await probeRounds(endpoints, { intervalMs, durationMs: 1_000, timeoutMs: probeTimeoutMs });

    const idleCpu = watchCpu([target.pid]);
    const idle = await probeRounds(endpoints, {
      intervalMs,
      durationMs: durationSec * 1000,
      timeoutMs: probeTimeoutMs,
    });
    const idleOthers = idleCpu()?.otherCpuPct ?? null;
    for (const [i, s] of idle.entries()) progress(`idle ${describe(endpoints[i]?.name ?? "", s)}`);

    const warm = await runLoad({ ...load, durationSec: settings.warmupSec });
    if (warm.errors > 0) progress(`⚠ status-metrics warm-up: ${warm.errors} errors`);
    const loadCpu = watchCpu([target.pid]);
    let loadDone = false;
    const running = runLoad({ ...load, durationSec }).finally(() => {
      loadDone = true;
    });
    const underLoad = await probeRounds(endpoints, {
      intervalMs,
      durationMs: durationSec * 1000,
      timeoutMs: probeTimeoutMs,
      done: () => loadDone,
    });
    const chat = await running;
    const loadOthers = loadCpu()?.otherCpuPct ?? null;
    progress(
      `${BILLING_BASE.name} load during the probes: ${chat.reqPerSec.toFixed(1)} req/s, p99 ${chat.latencyMs.p99} ms, ${chat.errors} errors`,
    );
    for (const [i, s] of underLoad.entries()) progress(`under load ${describe(endpoints[i]?.name ?? "", s)}`);

    return STATUS_SCENARIOS.map((scenario, i) => {
      const busy = underLoad[i] as ProbeStats;
      const quiet = idle[i] as ProbeStats;
      const detail: StatusDetail = {
        endpoint: scenario.endpoint,
        url: urls[i] as string,
        intervalMs,
        idle: quiet,
        underLoad: busy,
        load: {
          connections: chat.connections,
          durationSec: chat.durationSec,
          ok: chat.ok,
          reqPerSec: chat.reqPerSec,
          errors: chat.errors,
          latencyMs: chat.latencyMs,
        },
      };
      return {
        name: scenario.name,
        unit: "ms (p99)",
        value: busy.latencyMs.p99,
        baseline: quiet.latencyMs.p99,
        ratio:
          quiet.latencyMs.p99 > 0 ? Math.round((busy.latencyMs.p99 / quiet.latencyMs.p99) * 1000) / 1000 : 0,
        comparison: `the same probes of ${scenario.endpoint} against the idle server (no chat load)`,
        connections: chat.connections,
        primeSec: settings.primeSec,
        warmupSec: settings.warmupSec,
        p50Ms: busy.latencyMs.p50,
        p99Ms: busy.latencyMs.p99,
        maxMs: busy.latencyMs.max,
        errors: busy.errors,
        baselineP50Ms: quiet.latencyMs.p50,
        baselineP99Ms: quiet.latencyMs.p99,
        baselineMaxMs: quiet.latencyMs.max,
        baselineErrors: quiet.errors,
        otherCpuPct: loadOthers,
        baselineOtherCpuPct: idleOthers,
        cpuMsPerUnit: null,
        baselineCpuMsPerUnit: null,
        status: detail,
      };
    });
  } finally {
    if (target) await stopProcess(target.pid);
  }
}
