import { TaskFailure } from "../types.js";
import { abortError } from "./abort.js";

/**
 * One request to an upstream model server: the signal to give `fetch` (aborted when the caller's signal
 * aborts or when the upstream stays silent too long) and the translation of whatever the request threw
 * into what the task should fail with.
 */
export class UpstreamCall {
  readonly #caller: AbortSignal;
  readonly #timeoutMs: number;
  readonly #watchdog = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;
  /** Pass this to `fetch`. */
  readonly signal: AbortSignal;

  /** Starts the silence watchdog at once; call `close()` when the request is over, however it ends. */
  constructor(caller: AbortSignal, timeoutMs: number) {
    this.#caller = caller;
    this.#timeoutMs = timeoutMs;
    this.signal = AbortSignal.any([caller, this.#watchdog.signal]);
    this.resume();
  }

  /** The upstream sent something: the silence allowed starts again from now. */
  touch(): void {
    this.#timer?.refresh();
  }

  /** Stops the watchdog while the caller, not the upstream, is the one holding things up. */
  pause(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Restarts the watchdog after `pause()`. */
  resume(): void {
    this.pause();
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#watchdog.abort(new DOMException("the upstream went silent", "TimeoutError"));
    }, this.#timeoutMs);
  }

  /** Ends the call: no timer is left behind. */
  close(): void {
    this.pause();
  }

  /**
   * What the task fails with after `err` was thrown during the call: the caller's abort reason when the
   * caller cancelled; a TaskFailure "upstream" when the upstream went silent or could not be reached;
   * `err` itself when it is already a TaskFailure.
   */
  failure(err: unknown): unknown {
    if (this.#caller.aborted) return abortError(this.#caller);
    if (this.#timedOut) {
      return new TaskFailure("upstream", `the upstream sent nothing for ${this.#timeoutMs} ms`, {
        cause: err,
      });
    }
    if (err instanceof TaskFailure) return err;
    return new TaskFailure("upstream", `the upstream request failed: ${describe(err)}`, { cause: err });
  }
}

/** A short, key-free description of a network error, e.g. "ECONNREFUSED" for an undici "fetch failed". */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  if (typeof cause === "object" && cause !== null) {
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (typeof code === "string") return code;
    if (typeof message === "string") return message;
  }
  return err.message;
}
