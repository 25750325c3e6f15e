/** The writable side of a stream as the outbox sees it (a gRPC call, an HTTP response). */
export interface WritableSink<T> {
  write(message: T): boolean;
  /** False once the stream ended or was destroyed (Node's Writable); nothing is written then. */
  readonly writable?: boolean;
  once(event: "drain", listener: () => void): unknown;
}

/**
 * How an outbox joins the messages of one turn of the event loop into one: a stream such as a gRPC
 * call sends one message at a time, each after the previous one's write completed, so many small
 * messages sent at once wait in line for many turns, while one message carrying them all goes at once.
 */
export interface OutboxBatching<T> {
  /** Wraps two or more messages, in order, into one. */
  wrap(messages: T[]): T;
  /** Whether a message may travel in a batch (some, such as a handshake, must go alone). */
  batchable(message: T): boolean;
  /** A generous estimate of a message's encoded size in bytes. */
  sizeOf(message: T): number;
  /** Most messages in one batch. */
  maxMessages: number;
  /** Most estimated bytes in one batch; a larger message goes alone. */
  maxBytes: number;
}

export interface OutboxOptions<T> {
  /**
   * Merges a message into the last one waiting (for example two text deltas), so a slow reader costs
   * memory proportional to the output, not to the number of pieces. Returns undefined to keep both.
   */
  coalesce?: (last: T, next: T) => T | undefined;
  /**
   * Joins the messages sent in one turn of the event loop into batches, written when the turn ends
   * (setImmediate). Without it every message is written when it is sent.
   */
  batching?: OutboxBatching<T>;
}

/**
 * Writes messages to a stream in order, respecting back-pressure: once `write()` returns false, later
 * messages wait in memory until the stream emits 'drain', merged by `coalesce` where it can. With
 * `batching`, the messages of one turn of the event loop go out together as batches.
 */
export class Outbox<T> {
  private readonly pending: T[] = [];
  /** With batching: messages sent this turn, written when it ends. */
  private turn: T[] = [];
  private turnFlush: NodeJS.Immediate | undefined;
  private blocked = false;
  private closed = false;
  /** Callers of flushed() waiting for the backlog to clear; one 'drain' listener serves them all. */
  private waiters: Array<() => void> = [];
  private readonly coalesce: ((last: T, next: T) => T | undefined) | undefined;
  private batching: OutboxBatching<T> | undefined;

  constructor(
    private readonly sink: WritableSink<T>,
    options: OutboxOptions<T> | ((last: T, next: T) => T | undefined) = {},
  ) {
    const o = typeof options === "function" ? { coalesce: options } : options;
    this.coalesce = o.coalesce;
    this.batching = o.batching;
  }

  /** Starts (or, with undefined, stops) joining each turn's messages into batches from now on. */
  batchWith(batching: OutboxBatching<T> | undefined): void {
    this.writeTurn();
    this.batching = batching;
  }

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
      this.queue(this.pending, message);
      return;
    }
    if (this.batching) {
      this.queue(this.turn, message);
      this.turnFlush ??= setImmediate(() => this.writeTurn());
      return;
    }
    if (!this.sink.write(message)) this.block();
  }

  /**
   * Writes the messages of this turn now (rather than when it ends) unless the stream is applying
   * back-pressure, e.g. before the stream is ended.
   */
  writeNow(): void {
    this.writeTurn();
  }

  /**
   * Writes this turn's messages while the stream still takes them, then drops whatever is waiting;
   * later sends are ignored.
   */
  close(): void {
    if (this.closed) return;
    if (this.sink.writable !== false) this.writeTurn();
    this.closed = true;
    this.pending.length = 0;
    this.wake();
  }

  /** Resolves once nothing is waiting for 'drain' (immediately when not blocked), or on close(). */
  flushed(): Promise<void> {
    if (!this.blocked || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private queue(list: T[], message: T): void {
    const last = list[list.length - 1];
    const merged = last === undefined || !this.coalesce ? undefined : this.coalesce(last, message);
    if (merged === undefined) list.push(message);
    else list[list.length - 1] = merged;
  }

  private writeTurn(): void {
    if (this.turnFlush) clearImmediate(this.turnFlush);
    this.turnFlush = undefined;
    if (this.turn.length === 0 || this.closed) return;
    const messages = this.batching ? this.batches(this.turn) : this.turn;
    this.turn = [];
    for (let i = 0; i < messages.length; i++) {
      if (this.blocked) {
        this.pending.push(messages[i] as T);
      } else if (!this.sink.write(messages[i] as T)) {
        this.block();
      }
    }
  }

  /** Groups messages, in order, into batches within the limits; a message that may not join goes alone. */
  private batches(messages: T[]): T[] {
    const b = this.batching as OutboxBatching<T>;
    const out: T[] = [];
    let group: T[] = [];
    let bytes = 0;
    const close = (): void => {
      if (group.length === 1) out.push(group[0] as T);
      else if (group.length > 1) out.push(b.wrap(group));
      group = [];
      bytes = 0;
    };
    for (const m of messages) {
      const size = b.sizeOf(m);
      if (!b.batchable(m) || size >= b.maxBytes) {
        close();
        out.push(m);
        continue;
      }
      if (group.length >= b.maxMessages || bytes + size > b.maxBytes) close();
      group.push(m);
      bytes += size;
    }
    close();
    return out;
  }

  private block(): void {
    this.blocked = true;
    this.sink.once("drain", () => this.flush());
  }

  private flush(): void {
    this.blocked = false;
    if (this.batching && this.pending.length > 1) {
      // What waited for the drain goes out as batches too.
      const waiting = this.batches(this.pending.splice(0));
      this.pending.push(...waiting);
    }
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
