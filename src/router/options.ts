import { randomUUID } from "node:crypto";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { Billing } from "./billing/billing.js";
import type { NodeDirectory } from "./directory/directory.js";
import type { Bus } from "./fanout/bus.js";
import type { GrpcCallObserver } from "./metrics/grpc-calls.js";
import type { RouterObserver } from "./observer.js";
import { DEFAULT_WEIGHTS, type RoutingWeights } from "./scoring/score.js";

/** Options of Router.create(). Every field is optional; defaults are documented on each. */
export interface RouterOptions {
  /** Address to bind. Default "127.0.0.1". */
  host?: string;
  /** gRPC port; 0 picks a free one. Default 50051. */
  port?: number;
  /** This replica's id. Default a random one. */
  id?: string;
  logger?: Logger;
  /** Node directory. Default a new in-memory one. Closed by the router. */
  directory?: NodeDirectory;
  /**
   * Auth and credits. When set, every job and node call needs a valid key and jobs are paid for.
   * Default none: the router is open and free. Its ledger is not closed by the router.
   */
  billing?: Billing;
  /** Fan-out bus to other replicas. Default none (a single replica). Closed by the router. */
  bus?: Bus;
  /**
   * Deliver tasks for nodes on this replica's own streams directly, without the bus. Default true;
   * false sends every task through the bus (for measuring the bus path).
   */
  localShortcut?: boolean;
  /** Content longer than this many characters is split, for splittable capabilities. Default 1 000. */
  splitThreshold?: number;
  /** Most chunks one job is split into. Default 8. */
  maxChunks?: number;
  /** Score weights. Default 0.5 / 0.3 / 0.2. */
  weights?: Partial<RoutingWeights>;
  /** Deadline of a job that asks for none. Default 60 000 ms. */
  defaultDeadlineMs?: number;
  /** Longest deadline a job may ask for. Default 600 000 ms. */
  maxDeadlineMs?: number;
  /** Jobs that may wait for a free node, per capability. Default 10 000. */
  queueLimit?: number;
  /** Nodes tried for one task before the job fails. Default 3. */
  maxAttempts?: number;
  /** Heartbeat interval told to nodes; a node silent for three intervals is dropped. Default 5 000 ms. */
  heartbeatIntervalMs?: number;
  /** How long a new stream may take to send Register. Default 10 000 ms. */
  registerTimeoutMs?: number;
  /** How long close() waits for running jobs before failing them. Default 30 000 ms. */
  shutdownGraceMs?: number;
  /** Largest job content accepted, in characters. Default 4 000 000. */
  maxContentChars?: number;
  /** Source of the random score term, for reproducible tests. Default Math.random. */
  random?: () => number;
  /** Hear the router's events (metrics). Default none. */
  observers?: RouterObserver[];
  /** Hear every gRPC call's start and end (metrics). Default none. */
  grpcObserver?: GrpcCallObserver;
}

/** RouterOptions with every default applied and every value checked. */
export interface RouterSettings {
  host: string;
  port: number;
  id: string;
  logger: Logger;
  localShortcut: boolean;
  splitThreshold: number;
  maxChunks: number;
  weights: RoutingWeights;
  defaultDeadlineMs: number;
  maxDeadlineMs: number;
  queueLimit: number;
  maxAttempts: number;
  heartbeatIntervalMs: number;
  registerTimeoutMs: number;
  shutdownGraceMs: number;
  maxContentChars: number;
  random: () => number;
  grpcObserver: GrpcCallObserver | undefined;
}

function positive(name: string, value: number | undefined, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < min)
    throw new RangeError(`RouterOptions.${name} must be ≥ ${min}, got ${v}`);
  return v;
}

/** Applies defaults and validates; throws RangeError naming the bad option. */
export function compileRouterOptions(options: RouterOptions): RouterSettings {
  const weights = { ...DEFAULT_WEIGHTS, ...options.weights };
  for (const [name, w] of Object.entries(weights)) {
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`RouterOptions.weights.${name} must be ≥ 0`);
  }
  const defaultDeadlineMs = positive("defaultDeadlineMs", options.defaultDeadlineMs, 60_000);
  const maxDeadlineMs = positive("maxDeadlineMs", options.maxDeadlineMs, 600_000);
  if (defaultDeadlineMs > maxDeadlineMs) {
    throw new RangeError("RouterOptions.defaultDeadlineMs must not exceed maxDeadlineMs");
  }
  const port = options.port ?? 50051;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError("RouterOptions.port is invalid");
  return {
    host: options.host ?? "127.0.0.1",
    port,
    id: options.id ?? `router-${randomUUID().slice(0, 8)}`,
    logger: options.logger ?? silentLogger(),
    localShortcut: options.localShortcut ?? true,
    splitThreshold: positive("splitThreshold", options.splitThreshold, 1_000),
    maxChunks: positive("maxChunks", options.maxChunks, 8),
    weights,
    defaultDeadlineMs,
    maxDeadlineMs,
    queueLimit: positive("queueLimit", options.queueLimit, 10_000, 0),
    maxAttempts: positive("maxAttempts", options.maxAttempts, 3),
    heartbeatIntervalMs: positive("heartbeatIntervalMs", options.heartbeatIntervalMs, 5_000, 10),
    registerTimeoutMs: positive("registerTimeoutMs", options.registerTimeoutMs, 10_000),
    shutdownGraceMs: positive("shutdownGraceMs", options.shutdownGraceMs, 30_000, 0),
    maxContentChars: positive("maxContentChars", options.maxContentChars, 4_000_000),
    random: options.random ?? Math.random,
    grpcObserver: options.grpcObserver,
  };
}
