/** Turns measured runs into the printed markdown table and the rows of results/latest.json. */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { LoadResult } from "./load.js";
import type { MachineInfo } from "./machine.js";

/** A measured run, with the CPU its target used and the CPU other processes used meanwhile. */
export interface MeasuredRun extends LoadResult {
  /** CPU the target process used per good response, in ms, or null where unknown. */
  cpuMsPerRequest: number | null;
  /** Percent of one core used by processes other than the bench's, or null where unknown. */
  otherCpuPct: number | null;
}

/** Runs with more CPU used by others than this are flagged as disturbed. */
const DISTURBED_CPU_PCT = 10;

/** One scenario as written to results/latest.json. */
export interface ScenarioRow {
  name: string;
  unit: "req/s";
  /** Switchyard: good responses per second. */
  value: number;
  /** The bare node:http server under the same load. */
  baseline: number;
  /** value ÷ baseline. */
  ratio: number;
  connections: number;
  /** Seconds of load each target got once at start, and before this scenario's measured run. */
  primeSec: number;
  warmupSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  baselineP50Ms: number;
  baselineP99Ms: number;
  baselineErrors: number;
  /** Everything measured, for each target. */
  switchyard: MeasuredRun;
  baselineRun: MeasuredRun;
}

export interface BenchReport {
  date: string;
  machine: MachineInfo;
  scenarios: ScenarioRow[];
}

export function scenarioRow(
  name: string,
  timing: { primeSec: number; warmupSec: number },
  switchyard: MeasuredRun,
  baseline: MeasuredRun,
): ScenarioRow {
  return {
    name,
    unit: "req/s",
    value: round(switchyard.reqPerSec, 1),
    baseline: round(baseline.reqPerSec, 1),
    ratio: baseline.reqPerSec > 0 ? round(switchyard.reqPerSec / baseline.reqPerSec, 3) : 0,
    connections: switchyard.connections,
    primeSec: timing.primeSec,
    warmupSec: timing.warmupSec,
    p50Ms: switchyard.latencyMs.p50,
    p99Ms: switchyard.latencyMs.p99,
    errors: switchyard.errors,
    baselineP50Ms: baseline.latencyMs.p50,
    baselineP99Ms: baseline.latencyMs.p99,
    baselineErrors: baseline.errors,
    switchyard,
    baselineRun: baseline,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function rate(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function ms(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function errorCell(row: ScenarioRow): string {
  const cell = `${row.errors} / ${row.baselineErrors}`;
  return row.errors + row.baselineErrors > 0 ? `**${cell} ⚠**` : cell;
}

/** The markdown table, one line per scenario. */
export function markdownTable(rows: readonly ScenarioRow[]): string {
  const header = [
    "scenario",
    "Switchyard req/s",
    "baseline req/s",
    "ratio",
    "p50 ms",
    "p99 ms",
    "baseline p50 ms",
    "baseline p99 ms",
    "errors (SY / base)",
  ];
  const right = header.map((_, i) => i > 0);
  const lines = [`| ${header.join(" | ")} |`, `|${right.map((r) => (r ? "---:" : ":---")).join("|")}|`];
  for (const row of rows) {
    const cells = [
      row.name,
      rate(row.value),
      rate(row.baseline),
      row.ratio.toFixed(2),
      ms(row.p50Ms),
      ms(row.p99Ms),
      ms(row.baselineP50Ms),
      ms(row.baselineP99Ms),
      errorCell(row),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The lines printed under the table: how it was measured, and any errors spelled out. */
export function notes(rows: readonly ScenarioRow[], detail: { generator: string; layout: string }): string[] {
  const out: string[] = [];
  const durations = rows
    .map(
      (r) =>
        `${r.name} ${r.switchyard.durationSec.toFixed(1)} s / ${r.baselineRun.durationSec.toFixed(1)} s` +
        ` (${r.switchyard.ok} / ${r.baselineRun.ok} good responses)`,
    )
    .join("; ");
  out.push(
    `Measured (Switchyard / baseline), after ${rows[0]?.primeSec ?? 0} s priming per target at the ` +
      `highest concurrency and ${rows[0]?.warmupSec ?? 0} s warm-up per run: ${durations}.`,
  );
  out.push(detail.generator);
  out.push(detail.layout);
  const pct = (v: number | null): string => (v === null ? "?" : `${v}%`);
  const cpu = (v: number | null): string => (v === null ? "?" : v.toFixed(2));
  out.push(
    `CPU of the server process per good response, ms (Switchyard / baseline): ${rows
      .map((r) => `${r.name} ${cpu(r.switchyard.cpuMsPerRequest)} / ${cpu(r.baselineRun.cpuMsPerRequest)}`)
      .join("; ")}.`,
  );
  out.push(
    `CPU used by other processes on the machine during the measured runs (of one core, Switchyard / baseline): ${rows
      .map((r) => `${r.name} ${pct(r.switchyard.otherCpuPct)} / ${pct(r.baselineRun.otherCpuPct)}`)
      .join("; ")}.`,
  );
  const disturbed = rows.flatMap((r) =>
    [
      [`${r.name} Switchyard`, r.switchyard.otherCpuPct],
      [`${r.name} baseline`, r.baselineRun.otherCpuPct],
    ].filter(([, v]) => typeof v === "number" && v > DISTURBED_CPU_PCT),
  );
  if (disturbed.length > 0) {
    out.push(
      `**⚠ The machine was not quiet** (other processes over ${DISTURBED_CPU_PCT}% of a core during ${disturbed
        .map(([name]) => name)
        .join(", ")}): those numbers are understated.`,
    );
  }
  for (const row of rows) {
    for (const [who, run] of [
      ["Switchyard", row.switchyard],
      ["baseline", row.baselineRun],
    ] as const) {
      if (run.errors === 0) continue;
      out.push(
        `**⚠ ${row.name} ${who}: ${run.errors} errors** — non-2xx ${run.non2xx}, bad bodies ${run.badBodies}, ` +
          `connection errors ${run.connectionErrors} (timeouts ${run.timeouts}), dropped ${run.dropped}; status codes ${JSON.stringify(run.statusCodes)}`,
      );
    }
  }
  return out;
}

export async function writeReport(path: string, report: BenchReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
