import { Counter, Histogram, type Registry } from "prom-client";
import { BoundedLabel } from "../../core/metrics/labels.js";
import { COUNT_BUCKETS, DURATION_BUCKETS, FAST_BUCKETS, seconds } from "../../core/metrics/registry.js";
import type { JobFinished, RouterObserver, TaskFinished } from "../observer.js";

/**
 * Jobs and tasks as Prometheus metrics, fed by the router's observer hooks. Labels: capability (bounded by
 * `BoundedLabel`), outcome ("succeeded" or an error catalogue code), path, result. Never node or job ids.
 */
export class JobMetrics implements RouterObserver {
  private readonly jobs: Counter<"capability" | "outcome">;
  private readonly duration: Histogram<"capability" | "outcome">;
  private readonly overhead: Histogram<"capability">;
  private readonly chunks: Histogram<"capability">;
  private readonly assigned: Counter<"capability" | "path">;
  private readonly retries: Counter<"capability">;
  private readonly tasks: Counter<"capability" | "result">;
  private readonly taskDuration: Histogram<"capability" | "result">;
  private readonly outcomes = new BoundedLabel(32);

  constructor(
    registry: Registry,
    private readonly capabilities: BoundedLabel,
  ) {
    const registers = [registry];
    this.jobs = new Counter({
      name: "switchyard_jobs_total",
      help: "Jobs finished, by capability and outcome (succeeded or an error code).",
      labelNames: ["capability", "outcome"],
      registers,
    });
    this.duration = new Histogram({
      name: "switchyard_job_duration_seconds",
      help: "Time from a job's submission to its outcome.",
      labelNames: ["capability", "outcome"],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.overhead = new Histogram({
      name: "switchyard_router_overhead_seconds",
      help: "Time a succeeded job spent outside the nodes: its duration minus its longest chunk's time on a node.",
      labelNames: ["capability"],
      buckets: [...FAST_BUCKETS],
      registers,
    });
    this.chunks = new Histogram({
      name: "switchyard_job_chunks",
      help: "Chunks a job was split into when accepted (1 when not split).",
      labelNames: ["capability"],
      buckets: [...COUNT_BUCKETS],
      registers,
    });
    this.assigned = new Counter({
      name: "switchyard_tasks_assigned_total",
      help: 'Tasks (one attempt of one chunk) given to a node: path "local" on this replica\'s own stream, "bus" through the fan-out bus.',
      labelNames: ["capability", "path"],
      registers,
    });
    this.retries = new Counter({
      name: "switchyard_task_retries_total",
      help: "Chunks tried again on another node after a failure.",
      labelNames: ["capability"],
      registers,
    });
    this.tasks = new Counter({
      name: "switchyard_tasks_total",
      help: "Tasks answered by nodes, by result (succeeded or failed).",
      labelNames: ["capability", "result"],
      registers,
    });
    this.taskDuration = new Histogram({
      name: "switchyard_task_duration_seconds",
      help: "Time a task spent on its node, from assignment to answer.",
      labelNames: ["capability", "result"],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
  }

  jobAccepted(capability: string, chunks: number): void {
    this.chunks.observe({ capability: this.capabilities.of(capability) }, chunks);
  }

  jobFinished(event: JobFinished): void {
    const capability = this.capabilities.of(event.capability);
    const labels = { capability, outcome: this.outcomes.of(event.outcome) };
    this.jobs.inc(labels);
    this.duration.observe(labels, seconds(event.durationMs));
    // A failed job reports no overhead (it is 0 there): only succeeded jobs say where time went.
    if (event.outcome === "succeeded") this.overhead.observe({ capability }, seconds(event.overheadMs));
  }

  taskAssigned(capability: string, remote: boolean): void {
    this.assigned.inc({ capability: this.capabilities.of(capability), path: remote ? "bus" : "local" });
  }

  taskFinished(event: TaskFinished): void {
    const labels = {
      capability: this.capabilities.of(event.capability),
      result: event.ok ? "succeeded" : "failed",
    };
    this.tasks.inc(labels);
    this.taskDuration.observe(labels, seconds(event.durationMs));
  }

  taskRetried(capability: string): void {
    this.retries.inc({ capability: this.capabilities.of(capability) });
  }
}
