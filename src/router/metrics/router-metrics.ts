import { Gauge, type Registry } from "prom-client";
import { BoundedLabel } from "../../core/metrics/labels.js";
import { createMetricsRegistry } from "../../core/metrics/registry.js";
import type { NodeRecord } from "../directory/directory.js";
import type { RouterObserver } from "../observer.js";
import type { GrpcCallObserver } from "./grpc-calls.js";
import { GrpcMetrics } from "./grpc-metrics.js";
import { JobMetrics } from "./job-metrics.js";
import { LedgerMetrics } from "./ledger-metrics.js";

/** What the scrape-time gauges read from a router: a structural subset of `Router`. */
export interface RouterGaugeSource {
  readonly id: string;
  readonly directory: { list(): readonly NodeRecord[] };
  readonly activeJobs: number;
  readonly queuedTasks: number;
}

export interface RouterMetricsOptions {
  /** Registry to register into. Default a new one of its own. */
  registry?: Registry;
  /** With a new registry: also export the default process metrics. Default true. */
  processMetrics?: boolean;
  /** Most distinct capability label values; later ones are counted as "other". Default 100. */
  maxCapabilities?: number;
}

/**
 * Every metric of one router replica, in one registry. Wire it in three places: `observer` into
 * `RouterOptions.observers`, `grpc` into `RouterOptions.grpcObserver`, `ledger.observe` into
 * `LedgerOptions.observe`; then `attach(router)` once the router exists, for the gauges read at scrape
 * time (nodes online, jobs in flight, tasks queued). Serve `registry` with a `MetricsServer`.
 */
export class RouterMetrics {
  readonly registry: Registry;
  /** Job and task metrics, for `RouterOptions.observers`. */
  readonly observer: RouterObserver;
  /** gRPC call metrics, for `RouterOptions.grpcObserver`. */
  readonly grpc: GrpcCallObserver;
  /** Ledger metrics; `ledger.observe` is the `LedgerOptions.observe` hook. */
  readonly ledger: LedgerMetrics;
  private readonly capabilities: BoundedLabel;
  private source: RouterGaugeSource | undefined;

  constructor(options: RouterMetricsOptions = {}) {
    this.registry =
      options.registry ?? createMetricsRegistry({ processMetrics: options.processMetrics ?? true });
    this.capabilities = new BoundedLabel(options.maxCapabilities ?? 100);
    this.observer = new JobMetrics(this.registry, this.capabilities);
    this.grpc = new GrpcMetrics(this.registry);
    this.ledger = new LedgerMetrics(this.registry);
    this.registerGauges();
  }

  /** The router the scrape-time gauges read. Until then they report nothing. */
  attach(router: RouterGaugeSource): void {
    this.source = router;
  }

  private registerGauges(): void {
    const registers = [this.registry];
    const metrics = this;
    new Gauge({
      name: "switchyard_nodes_online",
      help: "Nodes connected to this replica, by capability (a node counts once per capability it serves). Sum over replicas for the network.",
      labelNames: ["capability"],
      registers,
      collect() {
        this.reset();
        const router = metrics.source;
        if (!router) return;
        const counts = new Map<string, number>();
        for (const node of router.directory.list()) {
          if (node.routerId !== router.id) continue;
          for (const c of new Set(node.capabilities)) {
            const label = metrics.capabilities.of(c);
            counts.set(label, (counts.get(label) ?? 0) + 1);
          }
        }
        for (const [capability, n] of counts) this.set({ capability }, n);
      },
    });
    new Gauge({
      name: "switchyard_jobs_in_flight",
      help: "Jobs running on this replica now, from acceptance to outcome.",
      registers,
      collect() {
        if (metrics.source) this.set(metrics.source.activeJobs);
      },
    });
    new Gauge({
      name: "switchyard_tasks_queued",
      help: "Tasks on this replica waiting for a free node.",
      registers,
      collect() {
        if (metrics.source) this.set(metrics.source.queuedTasks);
      },
    });
  }
}
