import { createSseParser } from "./sse.js";

/** A failed call to the gateway's API, with the message of its error body. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number | undefined} status HTTP status, when the failure was an HTTP answer
   * @param {string | undefined} code the error body's `code`
   */
  constructor(message, status, code) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/**
 * The error of a failed response: the message of its `{"error": {...}}` body when it has one.
 *
 * @param {Response} res
 */
async function errorOf(res) {
  try {
    const body = await res.json();
    const error = body?.error;
    if (error && typeof error.message === "string") {
      return new ApiError(error.message, res.status, typeof error.code === "string" ? error.code : undefined);
    }
  } catch {
    // Not a JSON error body: fall through to the status line.
  }
  return new ApiError(`The gateway answered HTTP ${res.status}.`, res.status, undefined);
}

/**
 * The event of a failed stream, from its `{"error": {...}}` payload.
 *
 * @param {unknown} error
 */
function streamError(error) {
  const message =
    error && typeof error === "object" && "message" in error && typeof error.message === "string"
      ? error.message
      : "The job failed.";
  const code =
    error && typeof error === "object" && "code" in error && typeof error.code === "string"
      ? error.code
      : undefined;
  return new ApiError(message, undefined, code);
}

/**
 * A client for the gateway's native API under `base` (this gateway's own `/api/v1/`). The API key is
 * passed to each call that needs one and sent only as its Authorization header; no cookies are sent.
 *
 * @param {URL} base
 * @param {typeof fetch} [fetchImpl]
 */
export function createApi(base, fetchImpl = fetch) {
  /**
   * @param {string} path relative to `base`
   * @param {{ key?: string, method?: string, body?: unknown, signal?: AbortSignal }} [options]
   */
  function send(path, options = {}) {
    /** @type {Record<string, string>} */
    const headers = { accept: "application/json" };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    /** @type {RequestInit} */
    const init = {
      method: options.method ?? "GET",
      headers,
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    };
    if (options.signal) init.signal = options.signal;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    return fetchImpl(new URL(path, base), init);
  }

  /**
   * @param {string} path
   * @param {{ key?: string, signal?: AbortSignal }} [options]
   */
  async function getJson(path, options) {
    const res = await send(path, options);
    if (!res.ok) throw await errorOf(res);
    return res.json();
  }

  return {
    /** `GET /api/v1/status` */
    status: () => getJson("status"),
    /** `GET /api/v1/nodes` */
    nodes: () => getJson("nodes"),
    /** @param {string} key */
    balance: (key) => getJson("balance", { key }),
    /**
     * One page of the key holder's transactions, newest first; `cursor` is the previous page's
     * `next_cursor`.
     *
     * @param {string} key
     * @param {number} limit
     * @param {string | null} [cursor]
     */
    transactions: (key, limit, cursor) => {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor) query.set("cursor", cursor);
      return getJson(`transactions?${query}`, { key });
    },

    /**
     * Runs a job with `stream: true`: calls `onDelta` with each piece of output as it arrives and
     * resolves with the final `result` body. Rejects with an ApiError for an HTTP error or an error
     * event, and with the abort reason when `signal` aborts.
     *
     * @param {Record<string, unknown>} job the body of `POST /api/v1/jobs`, without `stream`
     * @param {string} key
     * @param {{ onDelta: (text: string) => void, signal?: AbortSignal }} options
     */
    async runJob(job, key, { onDelta, signal }) {
      const res = await send("jobs", { key, method: "POST", body: { ...job, stream: true }, signal });
      if (!res.ok) throw await errorOf(res);
      const type = res.headers.get("content-type") ?? "";
      if (!type.startsWith("text/event-stream") || !res.body) {
        const body = await res.json();
        if (typeof body.result === "string") onDelta(body.result);
        return body;
      }
      let result;
      let failure;
      const parser = createSseParser((data) => {
        if (data === "[DONE]" || failure) return;
        let event;
        try {
          event = JSON.parse(data);
        } catch {
          failure = new ApiError("The gateway sent an event that is not JSON.", undefined, undefined);
          return;
        }
        if (typeof event?.delta === "string") onDelta(event.delta);
        else if (event?.result && typeof event.result === "object") result = event.result;
        else if (event?.error) failure = streamError(event.error);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
      if (failure) throw failure;
      if (!result) throw new ApiError("The stream ended before the job finished.", undefined, undefined);
      return result;
    },
  };
}
