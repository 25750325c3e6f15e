/** Latency percentiles of a set of samples timed in the bench process. */

export interface Percentiles {
  /** Samples. */
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentiles, in the samples' unit rounded to `decimals` places (default 1); with fewer
 * than 100 samples p99 is the slowest sample. All zero for no samples.
 */
export function percentiles(samples: readonly number[], decimals = 1): Percentiles {
  const f = 10 ** decimals;
  const round1 = (value: number): number => Math.round(value * f) / f;
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const rank = (p: number): number => round1(sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)] ?? 0);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / n;
  return {
    count: n,
    p50: rank(50),
    p90: rank(90),
    p99: rank(99),
    max: round1(sorted[n - 1] ?? 0),
    mean: round1(mean),
  };
}
