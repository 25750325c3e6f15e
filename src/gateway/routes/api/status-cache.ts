import { ErrorCode, SwitchyardError } from "../../../core/errors.js";

/** Options of `SharedCache`. */
export interface SharedCacheOptions<T> {
  /** Loads a fresh value; `signal` aborts when the load takes longer than `timeoutMs`. */
  load: (signal: AbortSignal) => Promise<T>;
  /** How long a loaded value is served, in ms, counted from the start of its load. A positive integer. */
  maxAgeMs: number;
  /** A load still running after this many ms is aborted and answered unavailable. A positive integer. */
  timeoutMs: number;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** A cached value and when its load started (ms since the epoch). */
export interface Cached<T> {
  value: T;
  loadedAtMs: number;
}

function requirePositiveInt(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`SharedCacheOptions.${name} must be a positive integer, got ${value}`);
  }
}

/**
 * One value shared by every caller: served from memory while younger than `maxAgeMs`, else loaded
 * again, with one load in flight at a time that every concurrent caller awaits. A failed load is not
 * cached: the callers waiting on it get its error, and the next call tries again. The load is not tied
 * to any one caller, so a caller that goes away does not cancel it for the others; `timeoutMs` bounds
 * it instead.
 */
export class SharedCache<T> {
  readonly #load: (signal: AbortSignal) => Promise<T>;
  readonly #maxAgeMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #cached: Cached<T> | undefined;
  #inFlight: Promise<Cached<T>> | undefined;

  constructor(options: SharedCacheOptions<T>) {
    requirePositiveInt(options.maxAgeMs, "maxAgeMs");
    requirePositiveInt(options.timeoutMs, "timeoutMs");
    this.#load = options.load;
    this.#maxAgeMs = options.maxAgeMs;
    this.#timeoutMs = options.timeoutMs;
    this.#now = options.now ?? Date.now;
  }

  /** The cached value when it is fresh, else the value of the load in flight or of a new one. */
  get(): Promise<Cached<T>> {
    const cached = this.#cached;
    if (cached !== undefined && this.#now() - cached.loadedAtMs < this.#maxAgeMs) {
      return Promise.resolve(cached);
    }
    if (this.#inFlight === undefined) {
      this.#inFlight = this.#refresh().finally(() => {
        this.#inFlight = undefined;
      });
    }
    return this.#inFlight;
  }

  async #refresh(): Promise<Cached<T>> {
    const loadedAtMs = this.#now();
    const signal = AbortSignal.timeout(this.#timeoutMs);
    try {
      const value = await this.#load(signal);
      this.#cached = { value, loadedAtMs };
      return this.#cached;
    } catch (err) {
      if (signal.aborted) {
        throw new SwitchyardError(ErrorCode.Unavailable, "The router did not answer in time.", {
          cause: err,
        });
      }
      throw err;
    }
  }
}
