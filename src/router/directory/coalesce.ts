interface KeyState {
  lastFlushAtMs: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Per-key rate limiting of a flush: `mark(key)` asks for `flush(key)` and gets it at most once every
 * `intervalMs` per key. The first mark after a quiet interval flushes at once (leading edge); marks
 * inside the interval are folded into one trailing flush at the end of it, so the last change is
 * never lost. The flush reads the current state itself, so it always sends the latest values.
 * Timers are unref'd: pending flushes never keep the process alive.
 */
export class Coalescer {
  private readonly keys = new Map<string, KeyState>();

  /** `flush` must not throw; if it does, the error is passed to `onError`. */
  constructor(
    private readonly intervalMs: number,
    private readonly flush: (key: string) => void,
    private readonly onError: (err: unknown, key: string) => void = () => {},
  ) {}

  /** Keys with a trailing flush scheduled. */
  get pending(): number {
    let n = 0;
    for (const state of this.keys.values()) if (state.timer) n += 1;
    return n;
  }

  /** Requests a flush of `key`: now, or at the end of the current interval. */
  mark(key: string): void {
    const now = Date.now();
    const state = this.keys.get(key);
    if (state?.timer) return;
    if (!state || state.lastFlushAtMs + this.intervalMs <= now) {
      this.keys.set(key, { lastFlushAtMs: now, timer: undefined });
      this.run(key);
      return;
    }
    const timer = setTimeout(
      () => {
        const current = this.keys.get(key);
        if (current?.timer !== timer) return;
        current.timer = undefined;
        current.lastFlushAtMs = Date.now();
        this.run(key);
      },
      state.lastFlushAtMs + this.intervalMs - now,
    );
    timer.unref();
    state.timer = timer;
  }

  /** Drops `key`: its trailing flush, if any, does not happen and its interval is forgotten. */
  cancel(key: string): void {
    const state = this.keys.get(key);
    if (state?.timer) clearTimeout(state.timer);
    this.keys.delete(key);
  }

  /** Cancels every key. */
  clear(): void {
    for (const state of this.keys.values()) if (state.timer) clearTimeout(state.timer);
    this.keys.clear();
  }

  private run(key: string): void {
    try {
      this.flush(key);
    } catch (err) {
      this.onError(err, key);
    }
  }
}
