/** The writable side of a stream as the outbox sees it (a gRPC call, an HTTP response). */
export interface WritableSink<T> {
  write(message: T): boolean;
  once(event: "drain", listener: () => void): unknown;
}

/**
 * Writes messages to a stream in order, respecting back-pressure: once `write()` returns false, later
 * messages wait in memory until the stream emits 'drain'. `coalesce` may merge a waiting message into
 * the last waiting one (for example two text deltas), so a slow reader costs memory proportional to the
 * output, not to the number of pieces.
 */
export class Outbox<T> {
  private readonly pending: T[] = [];
  private blocked = false;
  private closed = false;
  /** Callers of flushed() waiting for the backlog to clear; one 'drain' listener serves them all. */
  private waiters: Array<() => void> = [];

  constructor(
    private readonly sink: WritableSink<T>,
    private readonly coalesce?: (last: T, next: T) => T | undefined,
  ) {}

  /** Messages waiting for the stream to drain. */
  get backlog(): number {
    return this.pending.length;
  }

  /** True while the stream is applying back-pressure. */
  get isBlocked(): boolean {
    return this.blocked;
  }

  send(message: T): void {
    if (this.closed) return;
    if (this.blocked) {
      const last = this.pending[this.pending.length - 1];
      const merged = last === undefined || !this.coalesce ? undefined : this.coalesce(last, message);
      if (merged === undefined) this.pending.push(message);
      else this.pending[this.pending.length - 1] = merged;
      return;
    }
    if (!this.sink.write(message)) this.block();
  }

  /** Drops whatever is waiting; later sends are ignored. */
  close(): void {
    this.closed = true;
    this.pending.length = 0;
    this.wake();
  }

  /** Resolves once nothing is waiting (immediately when not blocked), or on close(). */
  flushed(): Promise<void> {
    if (!this.blocked || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private block(): void {
    this.blocked = true;
    this.sink.once("drain", () => this.flush());
  }

  private flush(): void {
    this.blocked = false;
    while (this.pending.length > 0 && !this.closed) {
      const next = this.pending.shift() as T;
      if (!this.sink.write(next)) {
        this.block();
        return;
      }
    }
    this.wake();
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
