/**
 * A compact latency histogram: logarithmic buckets (about 4% wide) from 0.1 ms to about 20 minutes,
 * so percentiles are within a few percent at any scale and merging is adding arrays.
 */
const BUCKETS = 400;
const BASE = 1.04;
const FLOOR_MS = 0.1;

export class LatencyHistogram {
  readonly counts = new Uint32Array(BUCKETS);
  total = 0;

  record(ms: number): void {
    const i = ms <= FLOOR_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / FLOOR_MS) / Math.log(BASE)));
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.total += 1;
  }

  add(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0);
    this.total += other.total;
  }

  clear(): void {
    this.counts.fill(0);
    this.total = 0;
  }

  /** The q-quantile (0..1) in ms, 0 when empty. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return i === 0 ? FLOOR_MS : FLOOR_MS * BASE ** i;
    }
    return FLOOR_MS * BASE ** (BUCKETS - 1);
  }
}
