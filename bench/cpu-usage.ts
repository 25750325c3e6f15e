/**
 * CPU accounting of a measured run, from /proc (Linux; elsewhere the figures are unavailable):
 * - how much CPU the system under test used (its processes and all their descendants), which divided
 *   by the requests or jobs served gives a cost per unit that a busy machine disturbs far less than
 *   throughput;
 * - how much CPU other processes on the machine used meanwhile: the bench shares the machine with
 *   everything else on it, and a busy neighbour takes cores from the targets. Every process the bench
 *   started (servers, nats-server, redis-server, postgres and its backends) counts as the bench's own.
 *
 * A process's figure includes the CPU of its children that have exited (cutime, cstime), so a
 * PostgreSQL backend that ends during a run is still counted, in the postmaster.
 */
import { readdirSync, readFileSync } from "node:fs";

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

interface Snapshot {
  atMs: number;
  /** Busy clock ticks of the whole machine. */
  machineTicks: number;
  /** Busy clock ticks of the bench and every process under it. */
  ownTicks: number;
  /** Busy clock ticks of the target processes and every process under them. */
  targetTicks: number;
}

export interface RunCpu {
  /** CPU seconds the target processes used. */
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

function readStat(pid: string): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name: ppid is field 4, utime..cstime are fields 14 to 17.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
    return { ppid: Number(rest[1]), ticks: Number.isFinite(ticks) ? ticks : 0 };
  } catch {
    // The process ended while we read.
    return undefined;
  }
}

function allProcesses(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat) out.set(Number(entry), stat);
  }
  return out;
}

/** Total ticks of `roots` and all their descendants, but for the `excluded` processes and theirs. */
function treeTicks(
  processes: Map<number, ProcStat>,
  roots: readonly number[],
  excluded: readonly number[] = [],
): number {
  const children = new Map<number, number[]>();
  for (const [pid, stat] of processes) {
    const list = children.get(stat.ppid);
    if (list) list.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  const seen = new Set<number>(excluded);
  const stack = [...roots];
  let total = 0;
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += processes.get(pid)?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

function snapshot(targetPids: readonly number[], excludedPids: readonly number[]): Snapshot | undefined {
  try {
    const processes = allProcesses();
    return {
      atMs: Date.now(),
      machineTicks: machineBusyTicks(),
      ownTicks: treeTicks(processes, [process.pid]),
      targetTicks: treeTicks(processes, targetPids, excludedPids),
    };
  } catch {
    return undefined;
  }
}

/**
 * Starts watching the target processes (started by the bench, or the bench itself); the returned
 * function gives the CPU used since, or undefined where /proc is not available. `excluded` names, at
 * each reading, processes under the targets that are the bench's own (the PostgreSQL backend of its
 * `pg_stat_activity` sampler): they and their descendants are not counted. A process excluded at the
 * end that was born after the start is thereby left out entirely.
 */
export function watchCpu(
  targetPids: readonly number[],
  excluded: () => readonly number[] = () => [],
): () => RunCpu | undefined {
  const start = snapshot(targetPids, excluded());
  return () => {
    const end = snapshot(targetPids, excluded());
    if (!start || !end || end.atMs <= start.atMs || end.targetTicks === 0) return undefined;
    const others = end.machineTicks - start.machineTicks - (end.ownTicks - start.ownTicks);
    const seconds = (end.atMs - start.atMs) / 1000;
    return {
      targetCpuSec: (end.targetTicks - start.targetTicks) / TICKS_PER_SEC,
      otherCpuPct: Math.max(0, Math.round((100 * others) / TICKS_PER_SEC / seconds)),
    };
  };
}

/** CPU ms per unit of work, to two decimals, or null when unknown. */
export function cpuMsPer(cpu: RunCpu | undefined, units: number): number | null {
  return cpu && units > 0 ? Math.round((1e5 * cpu.targetCpuSec) / units) / 100 : null;
}
