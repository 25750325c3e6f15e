import { ErrorCode, SwitchyardError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

export interface GroupCommitOptions {
  /** A batch is written as soon as this many requests are queued. Default 64. */
  maxBatch?: number;
  /**
   * The longest a queued request waits for others to share its batch, in ms. 0 waits only for the
   * requests that arrive in the same turn of the event loop, so a lone request goes out at once.
   * Default 2.
   */
  maxDelayMs?: number;
  /** Batches written at the same time. Default 4. */
  maxInFlight?: number;
}

/** Writes many requests in one transaction; one entry per request (its result or its own error). */
export type BatchWriter<Q, R> = (requests: Q[]) => Promise<Array<R | SwitchyardError>>;
/** Writes one request in its own transaction. */
export type SingleWriter<Q, R> = (request: Q) => Promise<R>;

interface Pending<Q, R> {
  request: Q;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit. Requests queue; a batch of up to `maxBatch` is written when it is full or `maxDelayMs`
 * after its first request, in one transaction of set-based statements. While `maxInFlight` batches are
 * being written, new requests keep queueing and go out together when one finishes, so batches grow with
 * load and throughput is not capped by one transaction per request. When a batch fails as a whole, its
 * requests are written one by one, so one bad request cannot block the others. Each caller gets its own
 * promise: its result, or the error of that request alone.
 */
export class GroupCommit<Q, R> {
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private readonly maxInFlight: number;
  private queue: Array<Pending<Q, R>> = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private inFlight = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly writeBatch: BatchWriter<Q, R>,
    private readonly writeOne: SingleWriter<Q, R>,
    private readonly logger: Logger,
    options: GroupCommitOptions = {},
    /** What is written, for log lines: "settlement", "hold". */
    private readonly what = "request",
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 64);
    this.maxDelayMs = Math.max(0, options.maxDelayMs ?? 2);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
  }

  /** Queues one request. Rejects with unavailable after close(), else as `writeOne` would. */
  submit(request: Q): Promise<R> {
    if (this.closed) {
      return Promise.reject(new SwitchyardError(ErrorCode.Unavailable, "the ledger is closed"));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  /** Requests queued or being written. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Writes everything queued now and resolves when nothing is queued or in flight. */
  async flush(): Promise<void> {
    this.clearTimer();
    this.pump(true);
    if (this.pending === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops accepting requests and writes the ones already queued. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private schedule(): void {
    if (this.queue.length >= this.maxBatch) {
      this.pump(false);
    } else if (this.timer === undefined) {
      const fire = () => {
        this.timer = undefined;
        this.pump(true);
      };
      this.timer = this.maxDelayMs === 0 ? setImmediate(fire) : setTimeout(fire, this.maxDelayMs);
    }
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    if (this.maxDelayMs === 0) clearImmediate(this.timer as NodeJS.Immediate);
    else clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = undefined;
  }

  /** Starts batches while there is room; `partial` allows a batch smaller than maxBatch. */
  private pump(partial: boolean): void {
    while (
      this.inFlight < this.maxInFlight &&
      this.queue.length > 0 &&
      (partial || this.queue.length >= this.maxBatch)
    ) {
      const batch = this.queue.splice(0, this.maxBatch);
      if (this.queue.length === 0) this.clearTimer();
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        // Whatever queued meanwhile has waited long enough: send it now.
        this.pump(true);
        if (this.pending === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }

  private async write(batch: Array<Pending<Q, R>>): Promise<void> {
    let results: Array<R | SwitchyardError>;
    try {
      results = await this.writeBatch(batch.map((p) => p.request));
    } catch (err) {
      this.logger.warn(
        { err, size: batch.length },
        `${this.what} batch failed; writing its requests one by one`,
      );
      await Promise.all(batch.map((p) => this.writeOne(p.request).then(p.resolve, p.reject)));
      return;
    }
    batch.forEach((p, i) => {
      const result = results[i];
      if (result === undefined)
        p.reject(new SwitchyardError(ErrorCode.Internal, `${this.what} result missing`));
      else if (result instanceof SwitchyardError) p.reject(result);
      else p.resolve(result);
    });
  }
}
