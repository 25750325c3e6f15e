/**
 * Command-line settings of `npm run bench`:
 *   --quick            short runs (whole bench under 3 minutes)
 *   --profile          run every Switchyard server process under `node --cpu-prof` (results/profiles/)
 *   --log-level LEVEL  log level inside the Switchyard processes (default silent; lines go to /dev/null)
 *   --only GROUPS      comma-separated subset of http, billing, grpc, sse, status, fanout, ledger, soak
 *                      (default all; soak is left out of --quick unless named here, and then runs short)
 */
import { parseArgs } from "node:util";

/** The groups of scenarios, run in this order. */
export const GROUPS = ["http", "billing", "grpc", "sse", "status", "fanout", "ledger", "soak"] as const;
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
  /** Length of the measured c1 run (the sequential client; its warm-up is `warmupSec`). */
  c1DurationSec: number;
  grpc: GrpcSettings;
  sse: SseSettings;
  soak: SoakSettings;
  status: StatusSettings;
  fanout: FanoutSettings;
  ledger: LedgerSettings;
  profile: boolean;
  logLevel: string;
}

export interface GrpcSettings {
  /** Calls in flight at once. */
  inFlight: number;
  warmupSec: number;
  durationSec: number;
  /** Most calls per phase (warm-up, measured). */
  maxCalls: number;
  /** Deadline of every call. */
  timeoutMs: number;
}

export interface SseSettings {
  /** Streams open at once. */
  streams: number;
  /** Lanes start new streams for this long (after a discarded wave of one stream per lane). */
  durationSec: number;
  /** Most streams started in the measured part. */
  maxStreams: number;
  /** A stream silent for this long counts as a timeout. */
  timeoutSec: number;
}

export interface SoakSettings {
  /** False in --quick unless `soak` was named in --only. */
  enabled: boolean;
  /** Closed-loop c64 load that finds the target's capacity, before the warm-up. */
  capacitySec: number;
  /** Fixed rate = this share of the capacity found, at most `maxRate`. */
  capacityShare: number;
  maxRate: number;
  /** Keep-alive connections the fixed-rate load is spread over. */
  connections: number;
  /** Fixed-rate load before the first RSS reading. */
  warmupSec: number;
  /** Fixed-rate load after it; RSS is read again at its end. */
  durationSec: number;
  /** RSS is also sampled this often, for the trend. */
  sampleEverySec: number;
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
  const groups = parseGroups(values.only);
  const soakNamed = values.only !== undefined && groups.has("soak");
  if (quick && !soakNamed) groups.delete("soak");
  return {
    quick,
    groups,
    primeSec: quick ? 1 : 10,
    warmupSec: quick ? 1 : 5,
    durationSec: quick ? 3 : 20,
    c1DurationSec: quick ? 3 : 30,
    timeoutSec: 10,
    totalLimitSec: quick ? 178 : 1_500,
    // Above the 512 streams of sse-512, so that the node is never the limit.
    workerConcurrency: 1024,
    grpc: {
      inFlight: 64,
      warmupSec: quick ? 1 : 5,
      durationSec: quick ? 3 : 20,
      maxCalls: quick ? 200_000 : 2_000_000,
      timeoutMs: 10_000,
    },
    sse: { streams: 512, durationSec: quick ? 2 : 20, maxStreams: quick ? 5_000 : 50_000, timeoutSec: 10 },
    soak: {
      enabled: groups.has("soak"),
      capacitySec: quick ? 3 : 10,
      capacityShare: 0.5,
      maxRate: 500,
      connections: 64,
      warmupSec: quick ? 10 : 60,
      durationSec: quick ? 30 : 300,
      sampleEverySec: 5,
    },
    status: { durationSec: quick ? 2 : 30, intervalMs: 50, probeTimeoutMs: 5_000 },
    fanout: {
      documentChars: 100_000,
      maxChunks: 8,
      workers: 8,
      workerConcurrency: 8,
      handlerDelayMs: 20,
      warmupPairs: quick ? 5 : 15,
      pairs: quick ? 20 : 100,
      sequentialLimitSec: quick ? 8 : 40,
      submitters: 4,
      concurrentSec: quick ? 2 : 10,
      concurrentMaxJobs: quick ? 400 : 2_000,
      jobDeadlineMs: 10_000,
    },
    ledger: {
      concurrency: 32,
      warmupJobs: quick ? 200 : 500,
      jobs: quick ? 3_000 : 20_000,
      limitSec: quick ? 2 : 12,
    },
    profile: values.profile,
    logLevel,
  };
}
