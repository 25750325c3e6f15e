/**
 * Command-line settings of `npm run bench`:
 *   --quick            short runs (whole bench under 3 minutes)
 *   --profile          run every Switchyard server process under `node --cpu-prof` (results/profiles/)
 *   --log-level LEVEL  log level inside the Switchyard processes (default silent; lines go to /dev/null)
 *   --only GROUPS      comma-separated subset of http, billing, status, fanout, ledger (default all)
 */
import { parseArgs } from "node:util";

/** The groups of scenarios, run in this order. */
export const GROUPS = ["http", "billing", "status", "fanout", "ledger"] as const;
export type Group = (typeof GROUPS)[number];

export interface BenchSettings {
  quick: boolean;
  /** Groups of scenarios to run. */
  groups: ReadonlySet<Group>;
  /**
   * Load sent to each HTTP target once at start, at the highest scenario concurrency, so that its code
   * is optimised by the JIT before any measurement (a 1-connection warm-up alone sends too few requests).
   */
  primeSec: number;
  /** Load sent to an HTTP target before each measured run, at that run's concurrency, discarded. */
  warmupSec: number;
  /** Length of each measured HTTP run. */
  durationSec: number;
  /** A request slower than this counts as a timeout (an error). */
  timeoutSec: number;
  /** The whole bench is aborted past this. */
  totalLimitSec: number;
  /** Concurrency limit of the bench worker node, high enough that the node is never the bottleneck. */
  workerConcurrency: number;
  status: StatusSettings;
  fanout: FanoutSettings;
  ledger: LedgerSettings;
  profile: boolean;
  logLevel: string;
}

export interface StatusSettings {
  /** Length of the idle probing and of the measured chat load probed during it. */
  durationSec: number;
  /** A round (each status and metrics endpoint once, one after the other) starts this often. */
  intervalMs: number;
  /** A probe slower than this counts as an error (a timeout). */
  probeTimeoutMs: number;
}

export interface FanoutSettings {
  /** Characters of the split document. */
  documentChars: number;
  /** Most chunks per job (the router's maxChunks); the one-chunk job has documentChars / maxChunks. */
  maxChunks: number;
  /** Worker nodes (spread over both replicas in the NATS variant). */
  workers: number;
  /** Tasks each worker runs at once: enough that the concurrent submitters never wait for a slot. */
  workerConcurrency: number;
  /** Time every handler takes. */
  handlerDelayMs: number;
  /** Discarded (split job, one-chunk job) pairs before the measured ones. */
  warmupPairs: number;
  /** Measured (split job, one-chunk job) pairs, sent one at a time, alternating. */
  pairs: number;
  /** The sequential part stops early past this. */
  sequentialLimitSec: number;
  /** Clients submitting split jobs at once in the throughput part. */
  submitters: number;
  /** Length of the throughput part, and the most jobs it sends. */
  concurrentSec: number;
  concurrentMaxJobs: number;
  /** Deadline of every job. */
  jobDeadlineMs: number;
}

export interface LedgerSettings {
  /** hold + settle pairs in flight at once. */
  concurrency: number;
  /** Discarded jobs before the measured ones. */
  warmupJobs: number;
  /** Most jobs per measured run, which also stops after `limitSec`. */
  jobs: number;
  limitSec: number;
}

const LOG_LEVELS = ["silent", "fatal", "error", "warn", "info", "debug", "trace"];

function parseGroups(only: string | undefined): Set<Group> {
  if (only === undefined) return new Set(GROUPS);
  const names = only
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const bad = names.filter((n) => !(GROUPS as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0) {
    throw new RangeError(`--only takes a comma-separated subset of ${GROUPS.join(", ")}, got ${only}`);
  }
  return new Set(names as Group[]);
}

export function parseSettings(argv: string[]): BenchSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      "log-level": { type: "string", default: "silent" },
      only: { type: "string" },
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
    groups: parseGroups(values.only),
    primeSec: quick ? 3 : 10,
    warmupSec: quick ? 2 : 5,
    durationSec: quick ? 8 : 60,
    timeoutSec: 10,
    totalLimitSec: quick ? 175 : 720,
    workerConcurrency: 256,
    status: { durationSec: quick ? 5 : 30, intervalMs: 50, probeTimeoutMs: 5_000 },
    fanout: {
      documentChars: 100_000,
      maxChunks: 8,
      workers: 8,
      workerConcurrency: 8,
      handlerDelayMs: 20,
      warmupPairs: quick ? 5 : 15,
      pairs: quick ? 30 : 100,
      sequentialLimitSec: quick ? 10 : 40,
      submitters: 4,
      concurrentSec: quick ? 3 : 10,
      concurrentMaxJobs: quick ? 400 : 2_000,
      jobDeadlineMs: 10_000,
    },
    ledger: {
      concurrency: 32,
      warmupJobs: quick ? 200 : 500,
      jobs: quick ? 3_000 : 20_000,
      limitSec: quick ? 3 : 12,
    },
    profile: values.profile,
    logLevel,
  };
}
