import type { JobFinished, RouterObserver, TaskFinished } from "../observer.js";
import { LatencyHistogram } from "./latency.js";

const MINUTE = 60_000;
const WINDOW_MINUTES = 24 * 60;

interface Bucket {
  minute: number;
  jobs: number;
  failed: number;
  latency: LatencyHistogram;
}

export interface JobWindowSummary {
  jobs: number;
  failureRate: number;
  p50Ms: number;
  p99Ms: number;
}

export interface NodeSummary {
  succeeded: number;
  failed: number;
  p50Ms: number;
}

interface NodeCounters {
  succeeded: number;
  failed: number;
  latency: LatencyHistogram;
}

/**
 * What this replica has seen: jobs over the last 24 hours in one-minute buckets (count, failures,
 * latency), and per-node task outcomes and latency since the node was first used here. Memory is
 * bounded: 1 440 buckets, and one entry per node (forgotten by `forgetNode`).
 */
export class RouterStats implements RouterObserver {
  private readonly buckets: Bucket[] = [];
  private readonly nodes = new Map<string, NodeCounters>();

  constructor(private readonly now: () => number = Date.now) {}

  jobFinished(event: JobFinished): void {
    const bucket = this.bucket();
    bucket.jobs += 1;
    if (event.outcome !== "succeeded") bucket.failed += 1;
    bucket.latency.record(event.durationMs);
  }

  taskFinished(event: TaskFinished): void {
    let node = this.nodes.get(event.nodeId);
    if (!node) {
      node = { succeeded: 0, failed: 0, latency: new LatencyHistogram() };
      this.nodes.set(event.nodeId, node);
    }
    if (event.ok) {
      node.succeeded += 1;
      node.latency.record(event.durationMs);
    } else {
      node.failed += 1;
    }
  }

  /** Drops a node's counters (it left for good). */
  forgetNode(nodeId: string): void {
    this.nodes.delete(nodeId);
  }

  node(nodeId: string): NodeSummary {
    const n = this.nodes.get(nodeId);
    return n
      ? { succeeded: n.succeeded, failed: n.failed, p50Ms: n.latency.quantile(0.5) }
      : { succeeded: 0, failed: 0, p50Ms: 0 };
  }

  /** Jobs, failure rate and latency percentiles over the last 24 hours. */
  window(): JobWindowSummary {
    const oldest = Math.floor(this.now() / MINUTE) - WINDOW_MINUTES + 1;
    const merged = new LatencyHistogram();
    let jobs = 0;
    let failed = 0;
    for (const b of this.buckets) {
      if (b.minute < oldest) continue;
      jobs += b.jobs;
      failed += b.failed;
      merged.add(b.latency);
    }
    return {
      jobs,
      failureRate: jobs === 0 ? 0 : failed / jobs,
      p50Ms: merged.quantile(0.5),
      p99Ms: merged.quantile(0.99),
    };
  }

  private bucket(): Bucket {
    const minute = Math.floor(this.now() / MINUTE);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.minute === minute) return last;
    while (this.buckets.length > 0 && (this.buckets[0] as Bucket).minute <= minute - WINDOW_MINUTES)
      this.buckets.shift();
    const bucket: Bucket = { minute, jobs: 0, failed: 0, latency: new LatencyHistogram() };
    this.buckets.push(bucket);
    return bucket;
  }
}
