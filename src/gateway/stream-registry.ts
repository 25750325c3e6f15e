/** Ends one open stream when the gateway shuts down. Must not throw and must not wait. */
export type StreamCloser = () => void;

/**
 * The streaming responses open right now. The gateway's `preClose` hook ends them all, so closing the
 * server never waits on a long-lived SSE connection.
 */
export class StreamRegistry {
  readonly #open = new Set<StreamCloser>();
  #closed = false;

  /** Registers an open stream; returns the function that unregisters it when the stream ends. */
  add(closer: StreamCloser): () => void {
    if (this.#closed) {
      closer();
      return () => {};
    }
    this.#open.add(closer);
    return () => {
      this.#open.delete(closer);
    };
  }

  /** How many streams are open. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Ends every open stream, and any registered later, at once. Runs every closer even if one throws;
   * idempotent.
   */
  closeAll(): void {
    this.#closed = true;
    const closers = [...this.#open];
    this.#open.clear();
    for (const close of closers) {
      try {
        close();
      } catch {
        // A closer that fails leaves nothing to undo; the others still run.
      }
    }
  }
}
