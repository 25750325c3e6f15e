/**
 * The error to throw when a task's signal has aborted: the signal's own reason when it is an Error
 * (so the node sees why the task stopped), otherwise a DOMException named "AbortError" carrying it.
 */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(reason === undefined ? "the task was cancelled" : String(reason), "AbortError");
}

/** Throws `abortError(signal)` when the signal has already aborted; does nothing otherwise. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}

/**
 * Waits `ms` milliseconds, or rejects with `abortError(signal)` as soon as the signal aborts; either way
 * no timer or listener is left behind. Rejects at once when the signal has already aborted, even for a
 * zero wait. Resolves at once for `ms <= 0`.
 */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Validates a delay option: a finite number of milliseconds, zero or more. Returns it, or 0 when absent.
 * Throws a RangeError naming `name` otherwise.
 */
export function checkDelayMs(value: number | undefined, name = "delayMs"): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number of milliseconds, 0 or more (got ${value})`);
  }
  return value;
}
