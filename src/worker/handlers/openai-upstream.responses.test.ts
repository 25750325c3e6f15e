import { describe, expect, it } from "vitest";
import { createOpenAIUpstream } from "./openai-upstream.js";
import { collect, iterate, taskContext, whole } from "./test-support.js";

// Upstream answers that the test server does not produce, served by a stand-in fetch (no network).
describe("createOpenAIUpstream with unusual upstream answers", () => {
  const sse =
    (text: string): typeof fetch =>
    async () =>
      new Response(text, { headers: { "content-type": "text/event-stream" } });

  it("fails with upstream when the stream ends before the answer is complete", async () => {
    const chunk = JSON.stringify({
      choices: [{ index: 0, delta: { content: "partial" }, finish_reason: null }],
    });
    const upstream = createOpenAIUpstream({
      baseUrl: "http://127.0.0.1:1/v1",
      fetch: sse(`data: ${chunk}\n\n`),
    });
    const iterator = iterate(upstream.chat("hi", {}, taskContext({ stream: true })));
    expect(await iterator.next()).toEqual({ done: false, value: "partial" });
    await expect(iterator.next()).rejects.toMatchObject({
      code: "upstream",
      message: expect.stringContaining("ended"),
    });
  });

  it("accepts a stream that ends with a finish reason but no [DONE]", async () => {
    const chunk = JSON.stringify({ choices: [{ index: 0, text: "all", finish_reason: "length" }] });
    const upstream = createOpenAIUpstream({
      baseUrl: "http://127.0.0.1:1/v1",
      fetch: sse(`data: ${chunk}\n\n`),
    });
    expect(await collect(upstream.completion("hi", {}, taskContext({ stream: true })))).toEqual(["all"]);
  });

  it("fails with upstream on an error event in the stream", async () => {
    const upstream = createOpenAIUpstream({
      baseUrl: "http://127.0.0.1:1/v1",
      fetch: sse(`data: ${JSON.stringify({ error: { message: "CUDA out of memory" } })}\n\n`),
    });
    await expect(
      iterate(upstream.chat("hi", {}, taskContext({ stream: true }))).next(),
    ).rejects.toMatchObject({
      code: "upstream",
      message: expect.stringContaining("CUDA out of memory"),
    });
  });

  it("takes a whole JSON answer when the upstream ignores stream: true", async () => {
    const body = { choices: [{ index: 0, message: { role: "assistant", content: "all at once" } }] };
    const upstream = createOpenAIUpstream({
      baseUrl: "http://127.0.0.1:1/v1",
      fetch: async () => Response.json(body),
    });
    expect(await collect(upstream.chat("hi", {}, taskContext({ stream: true })))).toEqual(["all at once"]);
  });

  it("fails with upstream on a response that is not JSON or has no answer", async () => {
    const notJson = createOpenAIUpstream({
      baseUrl: "http://127.0.0.1:1/v1",
      fetch: async () => new Response("<html>"),
    });
    await expect(whole(notJson.chat("hi", {}, taskContext()))).rejects.toMatchObject({ code: "upstream" });
    const noChoices = createOpenAIUpstream({
      baseUrl: "http://127.0.0.1:1/v1",
      fetch: async () => Response.json({ object: "list" }),
    });
    await expect(whole(noChoices.completion("hi", {}, taskContext()))).rejects.toMatchObject({
      code: "upstream",
    });
    await expect(noChoices.listModels()).rejects.toMatchObject({ code: "upstream" });
  });

  it("takes the message of a plain-text or differently shaped error body", async () => {
    const plain = createOpenAIUpstream({
      baseUrl: "http://127.0.0.1:1/v1",
      fetch: async () => new Response("model not loaded", { status: 400 }),
    });
    await expect(whole(plain.chat("hi", {}, taskContext()))).rejects.toMatchObject({
      code: "invalid_input",
      message: "the upstream answered 400: model not loaded",
    });
    const ollama = createOpenAIUpstream({
      baseUrl: "http://127.0.0.1:1/v1",
      fetch: async () => Response.json({ error: "model 'x' not found" }, { status: 404 }),
    });
    await expect(whole(ollama.chat("hi", {}, taskContext()))).rejects.toMatchObject({
      message: "the upstream answered 404: model 'x' not found",
    });
  });
});
