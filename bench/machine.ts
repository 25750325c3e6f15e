import { availableParallelism, cpus, totalmem } from "node:os";

/** The machine a run was measured on, as written to results/latest.json. */
export interface MachineInfo {
  /** CPUs this process may use. */
  cpus: number;
  cpuModel: string;
  memGiB: number;
  node: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}
