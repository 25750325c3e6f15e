import { once } from "node:events";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { SSE_DONE, SseWriter, sseEvent } from "./sse-writer.js";

/** A sink that holds every write until `release()`, so back-pressure is deterministic. */
class HeldSink extends Writable {
  readonly #held: Array<() => void> = [];
  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: () => void): void {
    this.#held.push(callback);
  }
  release(): void {
    for (const callback of this.#held.splice(0)) callback();
  }
}

async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("sseEvent", () => {
  it("frames a JSON value as one data event", () => {
    expect(sseEvent({ a: "b\nc" })).toBe('data: {"a":"b\\nc"}\n\n');
    expect(SSE_DONE).toBe("data: [DONE]\n\n");
  });
});

describe("SseWriter back-pressure", () => {
  it("resolves send only after the sink drains", async () => {
    const sink = new HeldSink({ highWaterMark: 8 });
    const sse = new SseWriter(sink as unknown as ServerResponse);
    const sending = sse.send({ text: "more than eight bytes" });
    expect(await settled(sending)).toBe(false);
    sink.release();
    expect(await settled(sending)).toBe(true);
  });

  it("writes JSON text at once, says when the buffer is full, and drained() waits for 'drain'", async () => {
    const sink = new HeldSink({ highWaterMark: 64 });
    const sse = new SseWriter(sink as unknown as ServerResponse);
    expect(sse.writeJson('{"n":1}')).toBe(true);
    expect(await settled(sse.drained())).toBe(true);
    expect(sse.writeJson(JSON.stringify({ text: "x".repeat(80) }))).toBe(false);
    const waiting = sse.drained();
    expect(await settled(waiting)).toBe(false);
    // The sink holds each write in turn: the first, then the one that filled the buffer.
    sink.release();
    await new Promise((resolve) => setImmediate(resolve));
    sink.release();
    expect(await settled(waiting)).toBe(true);
    sink.destroy();
    expect(sse.writeJson('{"n":3}')).toBe(true);
    expect(await settled(sse.drained())).toBe(true);
  });

  it("stops waiting when the connection closes", async () => {
    const sink = new HeldSink({ highWaterMark: 8 });
    const sse = new SseWriter(sink as unknown as ServerResponse);
    const sending = sse.send({ text: "more than eight bytes" });
    sink.destroy();
    expect(await settled(sending)).toBe(true);
    expect(sse.closed).toBe(true);
  });
});

describe("SseWriter over a socket", () => {
  let server: http.Server | undefined;

  afterEach(async () => {
    server?.closeAllConnections();
    if (server?.listening) await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  async function serve(handler: (res: ServerResponse) => void): Promise<IncomingMessage> {
    server = http.createServer((_req, res) => handler(res));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const req = http.get({ host: "127.0.0.1", port, path: "/" });
    const [res] = (await once(req, "response")) as [IncomingMessage];
    return res;
  }

  async function readAll(res: IncomingMessage): Promise<string> {
    let text = "";
    res.setEncoding("utf8");
    for await (const piece of res) text += piece;
    return text;
  }

  it("writes SSE headers, events and [DONE]", async () => {
    const res = await serve((raw) => {
      const sse = new SseWriter(raw);
      sse.open({ "x-extra": "1", "content-type": "application/json" });
      void sse.send({ n: 1 }).then(() => sse.finish());
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.headers.connection).toBe("keep-alive");
    expect(res.headers["x-extra"]).toBe("1");
    expect(await readAll(res)).toBe(`data: {"n":1}\n\n${SSE_DONE}`);
  });

  it("ends with one error event on fail", async () => {
    const res = await serve((raw) => {
      const sse = new SseWriter(raw);
      sse.open();
      sse.fail({ error: { message: "boom" } });
      sse.fail({ error: { message: "ignored" } });
    });
    expect(await readAll(res)).toBe('data: {"error":{"message":"boom"}}\n\n');
  });

  it("sends a last event and closes the connection on shutdown", async () => {
    const res = await serve((raw) => {
      const sse = new SseWriter(raw);
      sse.open();
      sse.shutdown({ error: { message: "bye" } });
    });
    const closed = once(res.socket, "close");
    expect(await readAll(res)).toBe('data: {"error":{"message":"bye"}}\n\n');
    await closed;
  });

  it("notices a client that went away", async () => {
    let writer: SseWriter | undefined;
    const opened = new Promise<void>((resolve) => {
      void serve((raw) => {
        writer = new SseWriter(raw);
        writer.open();
        raw.once("close", () => resolve());
        void writer.send({ n: 1 });
      }).then((res) => res.destroy());
    });
    await opened;
    expect(writer?.clientGone).toBe(true);
    expect(writer?.closed).toBe(true);
    await writer?.send({ n: 2 });
  });
});
