import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SseEvent, SseParser, sseEvents } from "./sse.js";

function parseInChunks(chunks: string[]): SseEvent[] {
  const parser = new SseParser();
  const events = chunks.flatMap((chunk) => parser.push(chunk));
  const last = parser.end();
  return last === undefined ? events : [...events, last];
}

const sample = [
  ": a comment, skipped",
  'data: {"n":1}',
  "",
  "event: update",
  "data: first line",
  "data:second line",
  "id: 7",
  "retry: 100",
  "",
  "",
  "data: [DONE]",
  "",
  "",
].join("\n");

const expected: SseEvent[] = [
  { event: "message", data: '{"n":1}' },
  { event: "update", data: "first line\nsecond line" },
  { event: "message", data: "[DONE]" },
];

describe("SseParser", () => {
  it("parses events, skipping comments and unknown fields", () => {
    expect(parseInChunks([sample])).toEqual(expected);
  });

  it("gives the same events wherever the stream is cut, with LF, CRLF or CR line ends", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const text = sample.replaceAll("\n", eol);
      for (let cut = 0; cut <= text.length; cut++) {
        expect(parseInChunks([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
      }
      expect(parseInChunks([...text])).toEqual(expected);
    }
  });

  it("keeps a field without a colon, and a value's extra spaces", () => {
    expect(parseInChunks(["data\ndata:  two\n\n"])).toEqual([{ event: "message", data: "\n two" }]);
  });

  it("ignores an event with no data", () => {
    expect(parseInChunks(["event: ping\n\n: x\n\n"])).toEqual([]);
  });

  it("dispatches a final event that lacks its closing blank line", () => {
    expect(parseInChunks(["data: a\n\ndata: b"])).toEqual([
      { event: "message", data: "a" },
      { event: "message", data: "b" },
    ]);
  });

  it("round-trips any events through any cutting of the stream", () => {
    const data = fc.array(
      fc.string().filter((s) => !/[\r\n]/.test(s)),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(
        fc.array(data, { maxLength: 5 }),
        fc.constantFrom("\n", "\r\n", "\r"),
        fc.array(fc.nat(), { maxLength: 6 }),
        (events, eol, cuts) => {
          const text = events.map((lines) => lines.map((l) => `data: ${l}${eol}`).join("") + eol).join("");
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((from, i) => text.slice(from, [...points, text.length][i]));
          const parsed = parseInChunks(chunks);
          expect(parsed).toEqual(events.map((lines) => ({ event: "message", data: lines.join("\n") })));
        },
      ),
    );
  });
});

describe("sseEvents", () => {
  it("decodes UTF-8 split between network chunks", async () => {
    const bytes = new TextEncoder().encode("data: 👍🏽 é\n\ndata: two\n\n");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
        controller.close();
      },
    });
    let chunks = 0;
    const events: SseEvent[] = [];
    for await (const event of sseEvents(body, () => chunks++)) events.push(event);
    expect(events.map((e) => e.data)).toEqual(["👍🏽 é", "two"]);
    expect(chunks).toBe(bytes.length);
  });

  it("cancels the body when the reader stops early", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("data: one\n\ndata: two\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of sseEvents(body)) {
      expect(event.data).toBe("one");
      break;
    }
    expect(cancelled).toBe(true);
  });
});
