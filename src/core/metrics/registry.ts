import { collectDefaultMetrics, Registry } from "prom-client";

/** Every Switchyard metric name starts with this. */
export const METRIC_PREFIX = "switchyard_";

/** Job, request and stream durations: 1 ms to 10 minutes, in seconds. */
export const DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** Short operations (router overhead, ledger calls): 100 µs to 10 minutes, in seconds. */
export const FAST_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
  300, 600,
];

/** Counts of small things (chunks per job, settlements per batch). */
export const COUNT_BUCKETS: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128, 256, 512, 1024];

export interface MetricsRegistryOptions {
  /**
   * Also export prom-client's default process metrics (`process_*`, `nodejs_*`, under their usual
   * names). Default true. Turn off for a second registry in the same process, so they are exported once.
   */
  processMetrics?: boolean;
}

/**
 * A new registry of its own (never prom-client's global one), so that several routers and gateways in
 * one process do not collide.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Milliseconds to seconds, never negative. */
export function seconds(ms: number): number {
  return ms > 0 ? ms / 1000 : 0;
}
