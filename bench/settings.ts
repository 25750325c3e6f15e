/**
 * Command-line settings of `npm run bench`:
 *   --quick            short runs (whole bench well under 3 minutes)
 *   --profile          run the Switchyard process under `node --cpu-prof` (profile in results/profiles/)
 *   --log-level LEVEL  log level inside the Switchyard process (default silent; lines go to /dev/null)
 */
import { parseArgs } from "node:util";

export interface BenchSettings {
  quick: boolean;
  /**
   * Load sent to each target once at start, at the highest scenario concurrency, so that its code is
   * optimised by the JIT before any measurement (a 1-connection warm-up alone sends too few requests).
   */
  primeSec: number;
  /** Load sent to a target before each measured run, at that run's concurrency, discarded. */
  warmupSec: number;
  /** Length of each measured run. */
  durationSec: number;
  /** A request slower than this counts as a timeout (an error). */
  timeoutSec: number;
  /** The whole bench is aborted past this. */
  totalLimitSec: number;
  /** Concurrency limit of the bench worker node, high enough that the node is never the bottleneck. */
  workerConcurrency: number;
  profile: boolean;
  logLevel: string;
}

const LOG_LEVELS = ["silent", "fatal", "error", "warn", "info", "debug", "trace"];

export function parseSettings(argv: string[]): BenchSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      "log-level": { type: "string", default: "silent" },
    },
    strict: true,
  });
  const logLevel = values["log-level"];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new RangeError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got ${logLevel}`);
  }
  const quick = values.quick;
  return {
    quick,
    primeSec: quick ? 3 : 10,
    warmupSec: quick ? 2 : 5,
    durationSec: quick ? 8 : 60,
    timeoutSec: 10,
    totalLimitSec: quick ? 170 : 570,
    workerConcurrency: 256,
    profile: values.profile,
    logLevel,
  };
}
