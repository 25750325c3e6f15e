/** One server-sent event: its type ("message" unless the stream named one) and its data lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * An incremental parser for a `text/event-stream` body (the WHATWG event-stream format). Feed it the
 * decoded text as it arrives, in chunks of any size; it returns the events completed so far. Lines may
 * end in LF, CRLF or CR, even when a CRLF is split between two chunks; comment lines (starting with
 * ":") and unknown fields are skipped; an event is dispatched at the blank line that ends it, and only
 * when it has data.
 */
export class SseParser {
  #buffer = "";
  /** True when the last chunk ended in CR, so an LF starting the next chunk belongs to it. */
  #afterCr = false;
  #event = "";
  #data: string[] = [];

  /** Parses the next piece of the stream and returns the events it completed, in order. */
  push(text: string): SseEvent[] {
    let chunk = text;
    if (this.#afterCr && chunk.startsWith("\n")) chunk = chunk.slice(1);
    this.#afterCr = chunk.endsWith("\r");
    this.#buffer += chunk;

    const events: SseEvent[] = [];
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    for (let match = lineEnd.exec(this.#buffer); match !== null; match = lineEnd.exec(this.#buffer)) {
      // A CR at the very end of the buffer may be the first half of a CRLF: it still ends the line,
      // and the LF, if it comes, is dropped by the check at the top of the next push.
      const event = this.#line(this.#buffer.slice(start, match.index));
      if (event !== undefined) events.push(event);
      start = match.index + match[0].length;
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }

  /**
   * Ends the stream: returns the last event when the stream stopped after its data without the blank
   * line that should close it (a lenient reading of a truncated final event), otherwise nothing.
   */
  end(): SseEvent | undefined {
    if (this.#buffer !== "") this.#line(this.#buffer);
    this.#buffer = "";
    return this.#dispatch();
  }

  #line(line: string): SseEvent | undefined {
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const event =
      this.#data.length === 0 ? undefined : { event: this.#event || "message", data: this.#data.join("\n") };
    this.#event = "";
    this.#data = [];
    return event;
  }
}

/**
 * Reads a `text/event-stream` body as it arrives and yields its events, decoding UTF-8 across chunk
 * boundaries. `onChunk` is called for every network chunk (to feed an idle watchdog). Stopping the
 * iteration early cancels the body, which releases the connection. Rejects when the body fails (for
 * example because the request was aborted).
 */
export async function* sseEvents(
  body: ReadableStream<Uint8Array>,
  onChunk: () => void = () => {},
): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let done = false;
  try {
    for (;;) {
      const read = await reader.read();
      if (read.done) {
        done = true;
        const last = parser.push(decoder.decode());
        const trailing = parser.end();
        if (trailing !== undefined) last.push(trailing);
        yield* last;
        return;
      }
      onChunk();
      yield* parser.push(decoder.decode(read.value, { stream: true }));
    }
  } finally {
    if (!done) reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
