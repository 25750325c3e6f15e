/**
 * How much CPU other processes on the machine used while a run was measured. The bench shares the
 * machine with everything else on it; a busy neighbour takes cores from the targets and skews the
 * numbers, so each run reports it. Reads /proc (Linux); elsewhere the figure is unavailable.
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  atMs: number;
  /** Busy clock ticks of the whole machine. */
  machineTicks: number;
  /** Busy clock ticks of the bench's own processes. */
  ownTicks: number;
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

function snapshot(pids: readonly number[]): Snapshot | undefined {
  try {
    const ownTicks = pids.reduce((sum, pid) => sum + processTicks(pid), 0);
    return { atMs: Date.now(), machineTicks: machineBusyTicks(), ownTicks };
  } catch {
    return undefined;
  }
}

/**
 * Starts watching; the returned function gives the CPU other processes used since, in percent of one
 * core (100 = one core fully busy), or undefined where /proc is not available.
 */
export function watchOtherCpu(pids: readonly number[]): () => number | undefined {
  const start = snapshot(pids);
  return () => {
    const end = snapshot(pids);
    if (!start || !end || end.atMs <= start.atMs) return undefined;
    const others = end.machineTicks - start.machineTicks - (end.ownTicks - start.ownTicks);
    const seconds = (end.atMs - start.atMs) / 1000;
    return Math.max(0, Math.round((100 * others) / TICKS_PER_SEC / seconds));
  };
}
