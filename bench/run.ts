/**
 * `npm run bench [-- --quick] [-- --profile] [-- --log-level LEVEL]`
 *
 * Starts Switchyard (router + gateway + worker whose chat handler takes 20 ms) and a bare node:http
 * baseline with the same 20 ms, each in its own child process on 127.0.0.1, drives both with the same
 * autocannon load from this process, prints one markdown table and writes results/latest.json.
 * Exits 1 when any measured request failed, 2 when the bench itself failed or ran over its time limit.
 */
import { fileURLToPath } from "node:url";
import { HANDLER_DELAY_MS } from "./chat.js";
import { type RunningChild, stopChildren } from "./children.js";
import { watchCpu } from "./cpu-usage.js";
import { runLoad } from "./load.js";
import { machineInfo } from "./machine.js";
import {
  type MeasuredRun,
  markdownTable,
  notes,
  type ScenarioRow,
  scenarioRow,
  writeReport,
} from "./report.js";
import { SCENARIOS } from "./scenarios.js";
import { type BenchSettings, parseSettings } from "./settings.js";
import { checkAnswers, PROFILE_DIR, startBaseline, startSwitchyard } from "./targets.js";

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

function describe(result: MeasuredRun): string {
  const l = result.latencyMs;
  const cpu = result.cpuMsPerRequest === null ? "" : `, ${result.cpuMsPerRequest.toFixed(2)} ms CPU/request`;
  const others = result.otherCpuPct === null ? "" : `, others used ${result.otherCpuPct}% CPU`;
  return (
    `${result.reqPerSec.toFixed(1)} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, ` +
    `${result.errors} errors, ${result.durationSec.toFixed(1)} s${cpu}${others}`
  );
}

/** Warm-up (discarded), then the measured run. */
async function measure(
  label: string,
  target: RunningChild,
  connections: number,
  settings: BenchSettings,
  ownPids: readonly number[],
): Promise<MeasuredRun> {
  const load = { url: target.url, connections, timeoutSec: settings.timeoutSec };
  const warm = await runLoad({ ...load, durationSec: settings.warmupSec });
  if (warm.errors > 0)
    progress(`⚠ ${label} warm-up: ${warm.errors} errors ${JSON.stringify(warm.statusCodes)}`);
  const cpuSince = watchCpu(ownPids, target.pid);
  const measured = await runLoad({ ...load, durationSec: settings.durationSec });
  const cpu = cpuSince();
  const result: MeasuredRun = {
    ...measured,
    cpuMsPerRequest: cpu && measured.ok > 0 ? Math.round((1e5 * cpu.targetCpuSec) / measured.ok) / 100 : null,
    otherCpuPct: cpu?.otherCpuPct ?? null,
  };
  progress(`${label}: ${describe(result)}`);
  return result;
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const limit = setTimeout(
    () => abortBench(`the bench ran over its ${settings.totalLimitSec} s limit; stopping`, 2),
    settings.totalLimitSec * 1000,
  );
  limit.unref();
  process.once("SIGINT", () => abortBench("interrupted", 130));
  process.once("SIGTERM", () => abortBench("terminated", 143));

  const startedAt = Date.now();
  progress(
    `${settings.quick ? "quick" : "full"} run: ${settings.primeSec} s priming per target, then ` +
      `${settings.warmupSec} s warm-up + ${settings.durationSec} s measured per target and scenario`,
  );
  const [baseline, switchyard] = await Promise.all([startBaseline(), startSwitchyard(settings)]);
  progress(
    `baseline pid ${baseline.pid} at ${baseline.url}; Switchyard pid ${switchyard.pid} at ${switchyard.url}`,
  );
  await checkAnswers(baseline);
  await checkAnswers(switchyard);
  const primeConnections = Math.max(...SCENARIOS.map((s) => s.connections));
  for (const target of [baseline, switchyard]) {
    const primed = await runLoad({
      url: target.url,
      connections: primeConnections,
      durationSec: settings.primeSec,
      timeoutSec: settings.timeoutSec,
    });
    progress(
      `primed ${target.name}: ${primed.ok} good responses at ${primeConnections} connections` +
        (primed.errors > 0 ? `, ⚠ ${primed.errors} errors ${JSON.stringify(primed.statusCodes)}` : ""),
    );
  }

  const ownPids = [process.pid, baseline.pid, switchyard.pid];
  const rows: ScenarioRow[] = [];
  for (const scenario of SCENARIOS) {
    const base = await measure(
      `${scenario.name} baseline`,
      baseline,
      scenario.connections,
      settings,
      ownPids,
    );
    const sy = await measure(
      `${scenario.name} Switchyard`,
      switchyard,
      scenario.connections,
      settings,
      ownPids,
    );
    rows.push(scenarioRow(scenario.name, settings, sy, base));
  }
  await stopChildren();
  if (settings.profile) progress(`CPU profile of the Switchyard process written to ${PROFILE_DIR}/`);

  console.log(markdownTable(rows));
  console.log("");
  for (const line of notes(rows, {
    generator:
      "Load: autocannon in the bench process, closed loop (one request in flight per keep-alive connection), " +
      "non-streaming POST /v1/chat/completions, model switchyard/auto; latency from autocannon's HDR " +
      "histogram of 2xx responses; errors = non-2xx + unexpected bodies + connection errors and timeouts + requests dropped by the server.",
    layout:
      `Processes: Switchyard (router + gateway + 1 worker, concurrency ${settings.workerConcurrency}, ` +
      `handler ${HANDLER_DELAY_MS} ms, log level ${settings.logLevel}) in one child, the node:http baseline ` +
      `(${HANDLER_DELAY_MS} ms) in another.`,
  })) {
    console.log(line);
  }

  await writeReport(RESULTS_FILE, {
    date: new Date().toISOString(),
    machine: machineInfo(),
    scenarios: rows,
  });
  progress(`wrote ${RESULTS_FILE}; whole bench took ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  if (rows.some((r) => r.errors + r.baselineErrors > 0)) {
    progress("⚠ SOME REQUESTS FAILED: the numbers above are not a clean measurement");
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  abortBench("the bench failed", 2);
});
