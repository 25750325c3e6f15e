import { ErrorCode, SwitchyardError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { SettleRequest, SettleResult } from "./types.js";

export interface SettlementBatcherOptions {
  /** A batch is written as soon as this many settlements are queued. Default 64. */
  maxBatch?: number;
  /** The longest a queued settlement waits for others to share its batch, in ms. Default 2. */
  maxDelayMs?: number;
  /** Batches written at the same time. Default 4. */
  maxInFlight?: number;
}

/** Writes many settlements in one transaction; one entry per request (a result or that job's error). */
export type BatchWriter = (requests: SettleRequest[]) => Promise<Array<SettleResult | SwitchyardError>>;
/** Writes one settlement in its own transaction. */
export type SingleWriter = (request: SettleRequest) => Promise<SettleResult>;

interface Pending {
  request: SettleRequest;
  resolve: (result: SettleResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for settlements. Requests queue; a batch of up to `maxBatch` is written when it is full
 * or `maxDelayMs` after its first request, in one transaction of set-based statements. While
 * `maxInFlight` batches are being written, new requests keep queueing and go out together when one
 * finishes, so batches grow with load and throughput is not capped by one transaction per job. When a
 * batch fails as a whole, its requests are written one by one, so one bad settlement cannot block the
 * others. Each caller gets its own promise: the job's result, or the error of that job alone.
 */
export class SettlementBatcher {
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private readonly maxInFlight: number;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly writeBatch: BatchWriter,
    private readonly writeOne: SingleWriter,
    private readonly logger: Logger,
    options: SettlementBatcherOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 64);
    this.maxDelayMs = Math.max(0, options.maxDelayMs ?? 2);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
  }

  /** Queues one settlement. Rejects with unavailable after close(), else as `writeOne` would. */
  submit(request: SettleRequest): Promise<SettleResult> {
    if (this.closed) {
      return Promise.reject(new SwitchyardError(ErrorCode.Unavailable, "the ledger is closed"));
    }
    return new Promise<SettleResult>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  /** Settlements queued or being written. */
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
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump(true);
      }, this.maxDelayMs);
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
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

  private async write(batch: Pending[]): Promise<void> {
    let results: Array<SettleResult | SwitchyardError>;
    try {
      results = await this.writeBatch(batch.map((p) => p.request));
    } catch (err) {
      this.logger.warn({ err, size: batch.length }, "settlement batch failed; settling its jobs one by one");
      await Promise.all(batch.map((p) => this.writeOne(p.request).then(p.resolve, p.reject)));
      return;
    }
    batch.forEach((p, i) => {
      const result = results[i];
      if (result === undefined)
        p.reject(new SwitchyardError(ErrorCode.Internal, "settlement result missing"));
      else if (result instanceof SwitchyardError) p.reject(result);
      else p.resolve(result);
    });
  }
}
