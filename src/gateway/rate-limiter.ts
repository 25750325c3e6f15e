/** The answer of a rate limiter for one request. */
export interface RateDecision {
  /** True when the request may go ahead (and has used one unit of its key's allowance). */
  allowed: boolean;
  /** When refused, whole seconds until the key's allowance refills (at least 1); 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * Counts requests per key (such as a client address) and says whether one more may go ahead. The
 * in-memory implementation below serves one gateway process; a shared store (Redis) can implement the
 * same interface for a fleet, which is why `take` may answer asynchronously.
 */
export interface RateLimiter {
  /** Uses one unit of `key`'s allowance if any is left. */
  take(key: string): RateDecision | Promise<RateDecision>;
}

/** Options of `FixedWindowRateLimiter`. */
export interface FixedWindowOptions {
  /** Requests allowed per key in each window. A positive integer. */
  max: number;
  /** Length of a window in ms. A positive integer. */
  windowMs: number;
  /**
   * Most keys tracked at once. When a new key arrives and every tracked window is still open, the
   * oldest window is forgotten (that key starts afresh). Default 10 000.
   */
  maxKeys?: number;
  /** The clock, in ms. Default `Date.now`. */
  now?: () => number;
}

interface Window {
  startedAt: number;
  count: number;
}

/** Default number of keys a `FixedWindowRateLimiter` tracks. */
export const DEFAULT_MAX_KEYS = 10_000;

/**
 * A fixed-window limiter held in memory: each key may make `max` requests in a window of `windowMs`
 * that opens at its first request. Memory stays bounded: windows live in a Map in the order they
 * opened, so expired ones are dropped from its front on every call, and at most `maxKeys` are kept.
 */
export class FixedWindowRateLimiter implements RateLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  /** Throws RangeError for a bad option. */
  constructor(options: FixedWindowOptions) {
    const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    for (const [name, value] of [
      ["max", options.max],
      ["windowMs", options.windowMs],
      ["maxKeys", maxKeys],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`rate limit ${name} must be a positive integer, got ${value}`);
      }
    }
    this.#max = options.max;
    this.#windowMs = options.windowMs;
    this.#maxKeys = maxKeys;
    this.#now = options.now ?? Date.now;
  }

  /** How many keys have an open window (for tests and metrics). */
  get size(): number {
    return this.#windows.size;
  }

  take(key: string): RateDecision {
    const now = this.#now();
    this.#dropExpired(now);
    const open = this.#windows.get(key);
    if (open !== undefined) {
      if (open.count < this.#max) {
        open.count++;
        return { allowed: true, retryAfterSeconds: 0 };
      }
      const waitMs = open.startedAt + this.#windowMs - now;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    if (this.#windows.size >= this.#maxKeys) {
      const oldest = this.#windows.keys().next();
      if (!oldest.done) this.#windows.delete(oldest.value);
    }
    this.#windows.set(key, { startedAt: now, count: 1 });
    return { allowed: true, retryAfterSeconds: 0 };
  }

  /** Drops the windows that have closed: all of them sit at the front, oldest first. */
  #dropExpired(now: number): void {
    for (const [key, window] of this.#windows) {
      if (window.startedAt + this.#windowMs > now) return;
      this.#windows.delete(key);
    }
  }
}
