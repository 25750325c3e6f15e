/**
 * One load run against one URL with autocannon: a fixed number of keep-alive connections, each sending
 * the chat request as soon as its previous answer arrived (closed loop), for a fixed time. Every
 * response is checked: a non-2xx status or a body that is not the expected chat completion counts as
 * an error, as does a connection error or a timeout.
 */
import autocannon from "autocannon";
import { CHAT_PATH, CHAT_REQUEST_BODY, isValidAnswer } from "./chat.js";

export interface LoadOptions {
  /** Base URL of the target, e.g. http://127.0.0.1:1234. */
  url: string;
  connections: number;
  durationSec: number;
  /** Seconds a request may take before it counts as a timeout. */
  timeoutSec: number;
  /** Extra request headers, e.g. `authorization`. */
  headers?: Record<string, string>;
  /** A fixed rate, requests per second over all connections, instead of the closed loop. */
  overallRate?: number;
}

export interface LoadResult {
  connections: number;
  /** Measured length of the run, in seconds. */
  durationSec: number;
  /** Responses that were 2xx and carried the expected answer. */
  ok: number;
  /** Good responses per second over the run. */
  reqPerSec: number;
  /** Latency percentiles of 2xx responses, in ms, from autocannon's HDR histogram. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Every failure: non-2xx + bad bodies + connection errors (timeouts included) + dropped. */
  errors: number;
  non2xx: number;
  badBodies: number;
  connectionErrors: number;
  timeouts: number;
  /**
   * Requests sent that got neither a response nor an error, beyond the at most one per connection still
   * in flight when the run stopped: the server closed the connection on them (autocannon reconnects
   * without counting those). A lower bound.
   */
  dropped: number;
  /** Requests sent. */
  sent: number;
  /** Responses by status code. */
  statusCodes: Record<string, number>;
}

/** Runs the load and resolves with its result; rejects if autocannon cannot start. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let ok = 0;
  let badBodies = 0;
  let responses = 0;
  const statusCodes: Record<string, number> = {};
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSec,
        timeout: options.timeoutSec,
        ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
        requests: [
          {
            method: "POST",
            path: CHAT_PATH,
            headers: { ...options.headers, "content-type": "application/json" },
            body: CHAT_REQUEST_BODY,
            onResponse: (status, body) => {
              responses += 1;
              statusCodes[status] = (statusCodes[status] ?? 0) + 1;
              if (status < 200 || status > 299) return;
              if (isValidAnswer(body)) ok += 1;
              else badBodies += 1;
            },
          },
        ],
      },
      (err: unknown, result) => (err ? reject(err) : resolve(result)),
    );
  });
  // Past its own duration and timeout, a run that has not finished is stopped.
  const watchdog = setTimeout(() => instance?.stop(), (options.durationSec + options.timeoutSec + 5) * 1000);
  try {
    const result = await finished;
    const durationSec = result.duration;
    const connectionErrors = result.errors;
    const sent = result.requests.sent;
    // Under a fixed rate autocannon also counts as sent the requests its rate limiter held back, so
    // dropped requests cannot be told from those; they are not counted there.
    const dropped =
      options.overallRate === undefined
        ? Math.max(0, sent - responses - connectionErrors - options.connections)
        : 0;
    return {
      connections: options.connections,
      durationSec,
      ok,
      reqPerSec: durationSec > 0 ? ok / durationSec : 0,
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
        mean: result.latency.mean,
      },
      errors: result.non2xx + badBodies + connectionErrors + dropped,
      non2xx: result.non2xx,
      badBodies,
      connectionErrors,
      timeouts: result.timeouts,
      dropped,
      sent,
      statusCodes,
    };
  } finally {
    clearTimeout(watchdog);
  }
}
