import { afterEach, describe, expect, it } from "vitest";
import { TaskFailure } from "../types.js";
import {
  type OpenAICompatibleServer,
  type OpenAICompatibleServerOptions,
  startOpenAICompatibleServer,
} from "./openai-test-server.js";
import { createOpenAIUpstream } from "./openai-upstream.js";
import { collect, iterate, taskContext, whole } from "./test-support.js";

const servers: OpenAICompatibleServer[] = [];

async function start(options: OpenAICompatibleServerOptions = {}): Promise<OpenAICompatibleServer> {
  const server = await startOpenAICompatibleServer(options);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function endsEvent(chunk: Uint8Array): boolean {
  return chunk.length >= 2 && chunk[chunk.length - 1] === 0x0a && chunk[chunk.length - 2] === 0x0a;
}

/**
 * A fetch that records the body's network chunks, and a `betweenHalves` hook for the test server that
 * lets the second half of an event go out only once the client has received a chunk ending inside an
 * event: every streamed piece then reaches the client split across at least two chunks.
 */
function splitObserver(): {
  fetch: typeof fetch;
  betweenHalves: () => Promise<void>;
  chunks: Uint8Array[];
} {
  let release: (() => void) | undefined;
  const chunks: Uint8Array[] = [];
  const observing: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (response.body === null) return response;
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          chunks.push(chunk);
          if (!endsEvent(chunk)) {
            release?.();
            release = undefined;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return {
    fetch: observing,
    betweenHalves: () =>
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    chunks,
  };
}

const conversation = [
  { role: "system", content: "Be brief.", name: "" },
  { role: "user", content: "Hi!", name: "alice" },
  { role: "assistant", content: "Hello.", name: "" },
  { role: "user", content: "How are you?", name: "" },
];

describe("createOpenAIUpstream", () => {
  it("rejects a base URL that is not http or https", () => {
    expect(() => createOpenAIUpstream({ baseUrl: "ftp://127.0.0.1/v1" })).toThrow(/http: or https:/);
    expect(() => createOpenAIUpstream({ baseUrl: "127.0.0.1:8000/v1" })).toThrow(/baseUrl/);
    expect(() => createOpenAIUpstream({ baseUrl: "not a url" })).toThrow(/not a valid URL/);
    expect(() => createOpenAIUpstream({ baseUrl: "http://127.0.0.1/v1?x=1" })).toThrow(/query/);
    expect(() => createOpenAIUpstream({ baseUrl: "http://127.0.0.1/v1", timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(createOpenAIUpstream({ baseUrl: "https://127.0.0.1:8443/v1/" }).baseUrl).toBe(
      "https://127.0.0.1:8443/v1",
    );
  });

  it("lists the upstream's models", async () => {
    const server = await start({ models: ["llama-3.1-8b", "qwen-2.5-7b"] });
    const upstream = createOpenAIUpstream({ baseUrl: server.baseUrl, apiKey: "sk-upstream" });
    expect(await upstream.listModels()).toEqual(["llama-3.1-8b", "qwen-2.5-7b"]);
    expect(server.requests[0]).toMatchObject({ method: "GET", path: "/v1/models" });
    expect(server.requests[0]?.headers.authorization).toBe("Bearer sk-upstream");
  });

  it("forwards a chat task and returns the answer", async () => {
    const server = await start({ reply: "I am fine, thanks." });
    const upstream = createOpenAIUpstream({ baseUrl: `${server.baseUrl}/`, apiKey: "sk-upstream" });
    const params = {
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
      max_completion_tokens: 60,
      stop: ["\n\n"],
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
      seed: 42,
      n: 3,
      user: "someone",
      top_k: null,
    };
    const out = upstream.chat(
      "How are you?",
      params,
      taskContext({ model: "llama-3.1-8b", messages: conversation }),
    );
    expect(await whole(out)).toBe("I am fine, thanks.");

    const request = server.requests[0];
    expect(request).toMatchObject({ method: "POST", path: "/v1/chat/completions" });
    expect(request?.headers.authorization).toBe("Bearer sk-upstream");
    expect(request?.body).toEqual({
      model: "llama-3.1-8b",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi!", name: "alice" },
        { role: "assistant", content: "Hello." },
        { role: "user", content: "How are you?" },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
      max_completion_tokens: 60,
      stop: ["\n\n"],
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
      seed: 42,
    });
  });

  it("sends the content as the one user message when the task has no conversation", async () => {
    const server = await start();
    const upstream = createOpenAIUpstream({ baseUrl: server.baseUrl });
    await whole(upstream.chat("Hello?", {}, taskContext()));
    expect(server.requests[0]?.body).toEqual({ messages: [{ role: "user", content: "Hello?" }] });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("streams a chat answer in order, reassembling events split across network chunks", async () => {
    const reply = "Grüße 👋🏽 from a model, streamed piece by piece.";
    const observer = splitObserver();
    const server = await start({ reply, betweenHalves: observer.betweenHalves });
    const upstream = createOpenAIUpstream({ baseUrl: server.baseUrl, fetch: observer.fetch });
    const out = upstream.chat(
      "",
      { temperature: 0 },
      taskContext({ stream: true, model: "m", messages: conversation }),
    );
    const pieces = await collect(out);

    expect(pieces).toEqual([
      "Grüße ",
      "👋🏽 ",
      "from ",
      "a ",
      "model, ",
      "streamed ",
      "piece ",
      "by ",
      "piece.",
    ]);
    expect(pieces.join("")).toBe(reply);
    expect(server.requests[0]?.body).toMatchObject({ model: "m", stream: true, temperature: 0 });
    expect(server.requests[0]?.headers.accept).toBe("text/event-stream");
    expect(observer.chunks.some((chunk) => !endsEvent(chunk))).toBe(true);
  });

  it("streams with CRLF line ends", async () => {
    const server = await start({ reply: "one two three", lineEnding: "\r\n" });
    const upstream = createOpenAIUpstream({ baseUrl: server.baseUrl });
    expect(await collect(upstream.chat("hi", {}, taskContext({ stream: true })))).toEqual([
      "one ",
      "two ",
      "three",
    ]);
  });

  it("forwards a completion, plain and streamed", async () => {
    const server = await start({ reply: "there was a router." });
    const upstream = createOpenAIUpstream({ baseUrl: server.baseUrl });
    const params = { max_tokens: 16, n: 2 };

    expect(await whole(upstream.completion("Once upon a time", params, taskContext({ model: "m" })))).toBe(
      "there was a router.",
    );
    const streamed = await collect(
      upstream.completion("Once upon a time", params, taskContext({ stream: true })),
    );
    expect(streamed).toEqual(["there ", "was ", "a ", "router."]);

    expect(server.requests.map((r) => r.path)).toEqual(["/v1/completions", "/v1/completions"]);
    expect(server.requests[0]?.body).toEqual({ model: "m", prompt: "Once upon a time", max_tokens: 16 });
    expect(server.requests[1]?.body).toEqual({ prompt: "Once upon a time", max_tokens: 16, stream: true });
  });

  it("fails with invalid_input, carrying the upstream's message, when the upstream answers 404", async () => {
    const server = await start({ failure: { status: 404, message: "The model `nope` does not exist." } });
    const upstream = createOpenAIUpstream({ baseUrl: server.baseUrl });
    const failure = await whole(upstream.chat("hi", {}, taskContext({ model: "nope" }))).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure).toMatchObject({
      code: "invalid_input",
      message: expect.stringContaining("`nope` does not exist"),
    });

    const streamed = iterate(upstream.chat("hi", {}, taskContext({ model: "nope", stream: true })));
    await expect(streamed.next()).rejects.toMatchObject({ code: "invalid_input" });
  });

  it("maps the other upstream statuses to overloaded and upstream", async () => {
    for (const [status, code] of [
      [400, "invalid_input"],
      [422, "invalid_input"],
      [429, "overloaded"],
      [503, "overloaded"],
      [500, "upstream"],
      [502, "upstream"],
      [401, "upstream"],
    ] as const) {
      const server = await start({ failure: { status } });
      const upstream = createOpenAIUpstream({ baseUrl: server.baseUrl });
      await expect(whole(upstream.completion("x", {}, taskContext()))).rejects.toMatchObject({
        name: "TaskFailure",
        code,
        message: expect.stringContaining(String(status)),
      });
      await expect(upstream.listModels()).rejects.toMatchObject({ code });
    }
  });

  it("fails with upstream when the server cannot be reached", async () => {
    const server = await start();
    await server.close();
    const upstream = createOpenAIUpstream({ baseUrl: server.baseUrl });
    await expect(whole(upstream.chat("hi", {}, taskContext()))).rejects.toMatchObject({
      name: "TaskFailure",
      code: "upstream",
    });
  });

  it("closes the upstream request when the task is cancelled mid-stream", async () => {
    const server = await start({ reply: "one two three", holdAfterPieces: 1 });
    const upstream = createOpenAIUpstream({ baseUrl: server.baseUrl });
    const controller = new AbortController();
    const iterator = iterate(
      upstream.chat("hi", {}, taskContext({ stream: true, signal: controller.signal })),
    );

    expect(await iterator.next()).toEqual({ done: false, value: "one " });
    const reason = new Error("client went away");
    controller.abort(reason);
    await expect(iterator.next()).rejects.toBe(reason);

    const request = server.requests[0];
    await request?.closed;
    expect(request?.abortedByClient).toBe(true);
  });

  it("closes the upstream request when the reader stops early", async () => {
    const server = await start({ reply: "one two three", holdAfterPieces: 1 });
    const upstream = createOpenAIUpstream({ baseUrl: server.baseUrl });
    const iterator = iterate(upstream.completion("hi", {}, taskContext({ stream: true })));
    expect(await iterator.next()).toEqual({ done: false, value: "one " });
    await iterator.return?.();
    await server.requests[0]?.closed;
    expect(server.requests[0]?.abortedByClient).toBe(true);
  });

  it("fails with upstream when a stream goes silent for longer than timeoutMs", async () => {
    const server = await start({ reply: "one two", holdAfterPieces: 1 });
    const upstream = createOpenAIUpstream({ baseUrl: server.baseUrl, timeoutMs: 100 });
    const iterator = iterate(upstream.chat("hi", {}, taskContext({ stream: true })));
    expect(await iterator.next()).toEqual({ done: false, value: "one " });
    const failure = await iterator.next().catch((err: unknown) => err);
    expect(failure).toMatchObject({
      name: "TaskFailure",
      code: "upstream",
      message: expect.stringContaining("100 ms"),
    });
    await server.requests[0]?.closed;
    expect(server.requests[0]?.abortedByClient).toBe(true);
  });
});
