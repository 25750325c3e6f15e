import type { SwitchyardError } from "../../core/errors.js";
import type { JobOutput, JobSink } from "../jobs/job.js";

/**
 * Stands between a job and its sink while the job's hold is being written, so the job can run on its
 * nodes at the same time: until the hold is placed nothing reaches the client (deltas, the result or an
 * error wait here, in order); `open()` passes them on and everything after; `refuse()` drops them and
 * everything after, because a job whose hold was refused must show the client nothing but the refusal.
 * A result passed on carries the job's cost as it is when it is passed, not when the job finished.
 */
export class HoldGate implements JobSink {
  private state: "pending" | "open" | "refused" = "pending";
  private waiting: Array<() => void> = [];

  constructor(
    private readonly next: JobSink,
    private readonly costOf: () => number,
  ) {}

  onDelta(text: string, chunkIndex: number): void {
    this.pass(() => this.next.onDelta(text, chunkIndex));
  }

  onResult(result: JobOutput): void {
    this.pass(() => this.next.onResult({ ...result, cost: this.costOf() }));
  }

  onError(error: SwitchyardError): void {
    this.pass(() => this.next.onError(error));
  }

  /** The hold is placed: what waited goes on, in order, and so does everything after. */
  open(): void {
    if (this.state !== "pending") return;
    this.state = "open";
    for (const deliver of this.waiting.splice(0)) deliver();
  }

  /** The hold was refused: what waited is dropped, and so is everything after. */
  refuse(): void {
    if (this.state !== "pending") return;
    this.state = "refused";
    this.waiting = [];
  }

  private pass(deliver: () => void): void {
    if (this.state === "open") deliver();
    else if (this.state === "pending") this.waiting.push(deliver);
  }
}
