/**
 * CPU accounting of a measured run, from /proc (Linux; elsewhere the figures are unavailable):
 * - how much CPU the target process used, which divided by the requests served gives a cost per
 *   request that a busy machine disturbs far less than throughput;
 * - how much CPU other processes on the machine used meanwhile: the bench shares the machine with
 *   everything else on it, and a busy neighbour takes cores from the targets.
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  atMs: number;
  /** Busy clock ticks of the whole machine. */
  machineTicks: number;
  /** Busy clock ticks of the bench's own processes. */
  ownTicks: number;
  /** Busy clock ticks of the target process. */
  targetTicks: number;
}

export interface RunCpu {
  /** CPU seconds the target process used. */
  targetCpuSec: number;
  /** Percent of one core used by processes other than the bench's (100 = one core fully busy). */
  otherCpuPct: number;
}

/** Clock ticks per second of /proc figures (USER_HZ), 100 on every common Linux build. */
const TICKS_PER_SEC = 100;

function machineBusyTicks(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  // cpu user nice system idle iowait irq softirq steal ...
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0;
  }
}

function snapshot(ownPids: readonly number[], targetPid: number): Snapshot | undefined {
  try {
    const ownTicks = ownPids.reduce((sum, pid) => sum + processTicks(pid), 0);
    return {
      atMs: Date.now(),
      machineTicks: machineBusyTicks(),
      ownTicks,
      targetTicks: processTicks(targetPid),
    };
  } catch {
    return undefined;
  }
}

/**
 * Starts watching the target (one of `ownPids`, the bench's processes); the returned function gives
 * the CPU used since, or undefined where /proc is not available.
 */
export function watchCpu(ownPids: readonly number[], targetPid: number): () => RunCpu | undefined {
  const start = snapshot(ownPids, targetPid);
  return () => {
    const end = snapshot(ownPids, targetPid);
    if (!start || !end || end.atMs <= start.atMs || end.targetTicks === 0) return undefined;
    const others = end.machineTicks - start.machineTicks - (end.ownTicks - start.ownTicks);
    const seconds = (end.atMs - start.atMs) / 1000;
    return {
      targetCpuSec: (end.targetTicks - start.targetTicks) / TICKS_PER_SEC,
      otherCpuPct: Math.max(0, Math.round((100 * others) / TICKS_PER_SEC / seconds)),
    };
  };
}
