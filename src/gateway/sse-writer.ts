import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

/** The headers of every Server-Sent Events response. */
export const SSE_HEADERS: Readonly<OutgoingHttpHeaders> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  // Asks reverse proxies (nginx and those that copy it) not to buffer the stream.
  "x-accel-buffering": "no",
};

/** One SSE `data:` event carrying JSON text. */
function dataEvent(json: string): string {
  return `data: ${json}\n\n`;
}

/** One SSE `data:` event carrying a JSON value. */
export function sseEvent(payload: unknown): string {
  return dataEvent(JSON.stringify(payload));
}

/** The event that ends an OpenAI stream. */
export const SSE_DONE = "data: [DONE]\n\n";

/** Resolves on 'drain', or when the response closes or fails (so a writer never waits forever). */
function waitForDrain(raw: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      raw.off("drain", done);
      raw.off("close", done);
      raw.off("error", done);
      resolve();
    };
    raw.on("drain", done);
    raw.on("close", done);
    raw.on("error", done);
  });
}

/**
 * Writes a Server-Sent Events response straight to a Node response. `send` respects back-pressure: when
 * the socket buffer is full it resolves only after 'drain', so the caller pulls its next event no faster
 * than the client reads. Writes after the response closed are dropped.
 */
export class SseWriter {
  readonly #raw: ServerResponse;
  #clientGone = false;

  constructor(raw: ServerResponse) {
    this.#raw = raw;
    raw.once("close", () => {
      if (!raw.writableFinished) this.#clientGone = true;
    });
  }

  /**
   * Writes the status line and headers and flushes them. `extraHeaders` (such as those set on the reply
   * by hooks) are kept; the SSE headers win over them.
   */
  open(extraHeaders: Readonly<Record<string, string | number | readonly string[] | undefined>> = {}): void {
    for (const [name, value] of Object.entries(extraHeaders)) {
      if (value !== undefined) this.#raw.setHeader(name, value);
    }
    this.#raw.writeHead(200, SSE_HEADERS);
    this.#raw.flushHeaders();
  }

  /** True once the response ended or its connection closed; nothing more can be written. */
  get closed(): boolean {
    return this.#clientGone || this.#raw.writableEnded || this.#raw.destroyed;
  }

  /** True when the connection closed before the response was ended. */
  get clientGone(): boolean {
    return this.#clientGone || (this.#raw.destroyed && !this.#raw.writableFinished);
  }

  /** Sends one JSON event, waiting for 'drain' when the buffer is full. */
  async send(payload: unknown): Promise<void> {
    if (!this.writeJson(JSON.stringify(payload))) await this.drained();
  }

  /**
   * Writes one event whose payload is already JSON text, at once and without a promise (it runs once
   * per piece of output). Returns false when the socket buffer is full: the caller then awaits
   * `drained()` before writing more.
   */
  writeJson(json: string): boolean {
    if (this.closed) return true;
    return this.#raw.write(dataEvent(json));
  }

  /** Resolves once the socket buffer has room again, or the response closed or failed. */
  drained(): Promise<void> {
    return this.closed || !this.#raw.writableNeedDrain ? Promise.resolve() : waitForDrain(this.#raw);
  }

  /** Sends `data: [DONE]` and ends the response. */
  finish(): void {
    if (this.closed) return;
    this.#raw.end(SSE_DONE);
  }

  /** Sends one error event (`data: {"error": …}`) and ends the response. */
  fail(body: unknown): void {
    if (this.closed) return;
    this.#raw.end(sseEvent(body));
  }

  /** Ends the response without another event; safe to call more than once. */
  end(): void {
    if (!this.#raw.writableEnded && !this.#raw.destroyed) this.#raw.end();
  }

  /**
   * Ends the stream for a server shutdown: sends one last event and closes the connection once it is
   * flushed, rather than leaving it open for keep-alive. A client that stopped reading (the buffer is
   * full) is dropped at once, so shutting down never waits on it.
   */
  shutdown(body: unknown): void {
    const socket = this.#raw.socket;
    if (this.#raw.writableNeedDrain || this.closed) {
      if (!this.#raw.writableFinished) this.#raw.destroy();
      return;
    }
    this.#raw.once("finish", () => socket?.destroy());
    this.#raw.end(sseEvent(body));
  }
}
