import { describe, expect, it } from "vitest";

/*
 * The dashboard's browser modules that need no DOM, run in Node. They are plain JavaScript outside the
 * TypeScript build, so they are imported by URL and typed here by hand.
 */

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

interface SseModule {
  createSseParser(onData: (data: string) => void): { push(text: string): void };
}
interface ValidateModule {
  parseParams(text: string): Parsed<Record<string, unknown> | undefined>;
  parseTaskType(text: string): Parsed<string>;
}
interface FormatModule {
  NONE: string;
  formatMs(ms: unknown): string;
  formatRate(rate: unknown): string;
  formatSigned(n: unknown): string;
  formatAge(iso: unknown, nowMs: number): string;
  formatWhen(iso: unknown, nowMs: number): string;
  keyHint(key: string): string;
}
interface ApiModule {
  createApi(
    base: URL,
    fetchImpl: typeof fetch,
  ): {
    balance(key: string): Promise<unknown>;
    transactions(key: string, limit: number, cursor?: string | null): Promise<unknown>;
    runJob(
      job: Record<string, unknown>,
      key: string,
      options: { onDelta: (text: string) => void; signal?: AbortSignal },
    ): Promise<Record<string, unknown>>;
  };
}

async function load<T>(file: string): Promise<T> {
  const url: string = new URL(`./static/${file}`, import.meta.url).href;
  return (await import(url)) as T;
}

const sse = await load<SseModule>("sse.js");
const validate = await load<ValidateModule>("validate.js");
const format = await load<FormatModule>("format.js");
const api = await load<ApiModule>("api.js");

function parseAll(pieces: string[]): string[] {
  const out: string[] = [];
  const parser = sse.createSseParser((d) => out.push(d));
  for (const p of pieces) parser.push(p);
  return out;
}

describe("SSE parser", () => {
  const stream = 'data: {"delta":"a"}\n\ndata: {"delta":"b"}\n\n: keep-alive\n\ndata: [DONE]\n\n';

  it("yields each event's data", () => {
    expect(parseAll([stream])).toEqual(['{"delta":"a"}', '{"delta":"b"}', "[DONE]"]);
  });

  it("gives the same events however the text is cut, one character at a time included", () => {
    expect(parseAll(["data: a\r", "", "\ndata: b\r", "\n\r\n"])).toEqual(["a\nb"]);
    expect(parseAll([...stream])).toEqual(parseAll([stream]));
    const crlf = stream.replaceAll("\n", "\r\n");
    expect(parseAll([...crlf])).toEqual(parseAll([stream]));
    expect(parseAll([stream.replaceAll("\n", "\r")])).toEqual(parseAll([stream]));
  });

  it("joins data lines, ignores other fields and drops an unfinished event", () => {
    expect(parseAll(["event: x\nid: 1\ndata: one\ndata:two\n\n", "data: cut"])).toEqual(["one\ntwo"]);
  });
});

describe("quick-test validation", () => {
  it("accepts empty params as none and a JSON object as params", () => {
    expect(validate.parseParams("  ")).toEqual({ ok: true, value: undefined });
    expect(validate.parseParams('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
  });

  it.each(["{a: 1}", "[1]", "null", "3", '"x"'])("refuses params %s with a message", (text) => {
    const parsed = validate.parseParams(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(/JSON/);
  });

  it("trims the task type and refuses an empty one", () => {
    expect(validate.parseTaskType(" upper ")).toEqual({ ok: true, value: "upper" });
    expect(validate.parseTaskType("  ").ok).toBe(false);
  });
});

describe("formatting", () => {
  it("formats durations, rates, signed amounts and ages", () => {
    expect(format.formatMs(12.4)).toBe("12 ms");
    expect(format.formatMs(1234)).toBe("1.23 s");
    expect(format.formatMs(undefined)).toBe(format.NONE);
    expect(format.formatRate(null)).toBe(format.NONE);
    expect(format.formatRate(0.5)).toMatch(/50/);
    expect(format.formatSigned(-10)).toBe("−10");
    expect(format.formatSigned(10)).toBe("+10");
    const now = Date.parse("2025-01-01T12:00:00Z");
    expect(format.formatAge("2025-01-01T11:59:30Z", now)).toBe("just now");
    expect(format.formatAge("2025-01-01T11:01:00Z", now)).toBe("59 min");
    expect(format.formatAge("2025-01-01T09:00:00Z", now)).toBe("3 h");
    expect(format.formatAge("nonsense", now)).toBe(format.NONE);
    const today = new Date(now - 60_000).toISOString();
    expect(format.formatWhen(today, now)).toBe(new Date(today).toLocaleTimeString());
    expect(format.formatWhen("2024-06-01T10:00:00Z", now)).not.toBe(format.NONE);
    expect(format.formatWhen(undefined, now)).toBe(format.NONE);
  });

  it("never shows a whole key", () => {
    expect(format.keyHint("sy_0123456789abcdef")).toBe("sy_0123…");
    expect(format.keyHint("short")).toBe("…");
  });
});

describe("API client", () => {
  const base = new URL("http://gateway.test/api/v1/");

  /** A fetch that records its requests and answers with `respond`. */
  function fakeFetch(respond: () => Response) {
    const requests: Array<{ url: string; init: RequestInit }> = [];
    const impl = (async (url: URL | string, init: RequestInit = {}) => {
      requests.push({ url: String(url), init });
      return respond();
    }) as typeof fetch;
    return { impl, requests };
  }

  /** An SSE response delivered in the given pieces. */
  function sseResponse(pieces: string[]): Response {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of pieces) controller.enqueue(new TextEncoder().encode(p));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream; charset=utf-8" } });
  }

  it("sends the key only as a bearer header, without cookies, to the API's own URLs", async () => {
    const f = fakeFetch(() => Response.json({ transactions: [], next_cursor: null }));
    await api.createApi(base, f.impl).transactions("sy_k", 20, "c/1");
    expect(f.requests).toHaveLength(1);
    const { url, init } = f.requests[0] as { url: string; init: RequestInit };
    expect(url).toBe("http://gateway.test/api/v1/transactions?limit=20&cursor=c%2F1");
    expect(init.credentials).toBe("omit");
    expect(init.headers).toMatchObject({ authorization: "Bearer sy_k" });
  });

  it("turns an error body into an error with its message", async () => {
    const f = fakeFetch(() =>
      Response.json({ error: { message: "bad key", code: "invalid_api_key" } }, { status: 401 }),
    );
    await expect(api.createApi(base, f.impl).balance("sy_x")).rejects.toMatchObject({
      message: "bad key",
      status: 401,
      code: "invalid_api_key",
    });
  });

  it("streams a job: deltas as they arrive, then the result", async () => {
    const events =
      'data: {"delta":"HEL"}\n\ndata: {"delta":"LO"}\n\n' +
      'data: {"result":{"job_id":"job_1","cost":10,"chunks":1,"duration_ms":4}}\n\ndata: [DONE]\n\n';
    const pieces = events.match(/[\s\S]{1,7}/g) ?? [];
    const f = fakeFetch(() => sseResponse(pieces));
    const deltas: string[] = [];
    const result = await api
      .createApi(base, f.impl)
      .runJob({ task_type: "upper", content: "hello" }, "sy_k", { onDelta: (t) => deltas.push(t) });
    expect(deltas).toEqual(["HEL", "LO"]);
    expect(result).toEqual({ job_id: "job_1", cost: 10, chunks: 1, duration_ms: 4 });
    expect(JSON.parse(String(f.requests[0]?.init.body))).toEqual({
      task_type: "upper",
      content: "hello",
      stream: true,
    });
  });

  it("rejects with the message of an error event", async () => {
    const f = fakeFetch(() =>
      sseResponse([
        'data: {"delta":"x"}\n\n',
        'data: {"error":{"message":"node failed"}}\n\n',
        "data: [DONE]\n\n",
      ]),
    );
    await expect(
      api.createApi(base, f.impl).runJob({ task_type: "t", content: "" }, "k", { onDelta: () => {} }),
    ).rejects.toThrow("node failed");
  });

  it("rejects when the stream ends without a result", async () => {
    const f = fakeFetch(() => sseResponse(['data: {"delta":"x"}\n\n']));
    await expect(
      api.createApi(base, f.impl).runJob({ task_type: "t", content: "" }, "k", { onDelta: () => {} }),
    ).rejects.toThrow(/ended before/);
  });
});
