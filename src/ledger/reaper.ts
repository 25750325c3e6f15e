import type { Logger } from "../core/logger.js";

/**
 * Runs a reaping pass every interval, never two at once in one process (several processes may: the
 * pass itself is safe to race). A failed pass is logged and the next one tries again.
 */
export class Reaper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly pass: (now: number) => Promise<number>,
    private readonly logger: Logger,
  ) {}

  get started(): boolean {
    return this.timer !== undefined;
  }

  /** Starts (or restarts with a new interval). */
  start(intervalMs: number): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in progress. Idempotent. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.pass(Date.now())
      .then(
        () => undefined,
        (err: unknown) => this.logger.error({ err }, "reaping expired holds failed"),
      )
      .finally(() => {
        this.running = undefined;
      });
  }
}
