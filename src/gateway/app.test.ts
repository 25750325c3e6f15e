import type { FastifyInstance, InjectOptions } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildGateway, resolveGatewayOptions } from "./app.js";
import { DEADLINE_HEADER } from "./headers.js";
import { unreachableBackend } from "./unreachable-backend.test-util.js";

const chat = { model: "m", messages: [{ role: "user", content: "hi" }] };

describe("gateway routes that stop before the backend", () => {
  let app: FastifyInstance;
  let backend: ReturnType<typeof unreachableBackend>;

  beforeEach(async () => {
    backend = unreachableBackend();
    app = await buildGateway({ backend, bodyLimitBytes: 4096 });
  });

  afterEach(async () => {
    expect(backend.calls()).toBe(0);
    await app.close();
  });

  async function expectOpenAIError(
    request: InjectOptions,
    status: number,
    param: string | null,
    code?: string,
  ) {
    const res = await app.inject(request);
    expect(res.statusCode).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    const body = res.json() as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(typeof body.error.message).toBe("string");
    expect(body.error.param).toBe(param);
    if (code !== undefined) expect(body.error.code).toBe(code);
    return body.error;
  }

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
    method: "POST",
    url,
    payload: payload as InjectOptions["payload"],
    headers: { "content-type": "application/json", ...headers },
  });

  it("answers malformed JSON with 400", async () => {
    const error = await expectOpenAIError(post("/v1/chat/completions", "{not json"), 400, null);
    expect(error.type).toBe("invalid_request_error");
  });

  it("answers an empty JSON body with 400", async () => {
    await expectOpenAIError(post("/v1/chat/completions", ""), 400, null);
  });

  it("answers a body that is not an object with 400", async () => {
    await expectOpenAIError(post("/v1/chat/completions", "[1]"), 400, null);
  });

  it("answers a request without a body with 400", async () => {
    await expectOpenAIError({ method: "POST", url: "/v1/chat/completions" }, 400, null);
  });

  it("answers a non-JSON content type with 400", async () => {
    await expectOpenAIError(post("/v1/chat/completions", "hi", { "content-type": "text/plain" }), 400, null);
    await expectOpenAIError(
      post("/v1/completions", "a=1", { "content-type": "application/x-www-form-urlencoded" }),
      400,
      null,
    );
  });

  it("answers a body over the limit with 413", async () => {
    const big = { ...chat, messages: [{ role: "user", content: "x".repeat(5000) }] };
    const error = await expectOpenAIError(post("/v1/chat/completions", big), 413, null, "payload_too_large");
    expect(error.type).toBe("invalid_request_error");
  });

  it("answers missing messages with 400 naming them", async () => {
    await expectOpenAIError(post("/v1/chat/completions", { model: "m" }), 400, "messages");
  });

  it.each([
    [{ messages: chat.messages }, "model"],
    [{ ...chat, model: 42 }, "model"],
    [{ model: "m", messages: {} }, "messages"],
    [{ model: "m", messages: [] }, "messages"],
    [{ model: "m", messages: [{ role: "wizard", content: "x" }] }, "messages[0].role"],
    [{ model: "m", messages: [{ role: "user", content: 1 }] }, "messages[0].content"],
    [
      { model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "u" } }] }] },
      "messages[0].content[0].type",
    ],
    [{ ...chat, stream: "yes" }, "stream"],
    [{ ...chat, stream: true, stream_options: { include_usage: "yes" } }, "stream_options.include_usage"],
    [{ ...chat, temperature: "warm" }, "temperature"],
    [{ ...chat, top_p: "1" }, "top_p"],
    [{ ...chat, presence_penalty: {} }, "presence_penalty"],
    [{ ...chat, frequency_penalty: [] }, "frequency_penalty"],
    [{ ...chat, max_tokens: 0 }, "max_tokens"],
    [{ ...chat, max_completion_tokens: 2.5 }, "max_completion_tokens"],
    [{ ...chat, stop: [1] }, "stop"],
    [{ ...chat, seed: "7" }, "seed"],
    [{ ...chat, user: 7 }, "user"],
    [{ ...chat, n: 2 }, "n"],
  ])("chat: rejects %j with 400 naming %s", async (body, param) => {
    const error = await expectOpenAIError(post("/v1/chat/completions", body), 400, param);
    expect(error.type).toBe("invalid_request_error");
  });

  it.each([
    [{ prompt: "p" }, "model"],
    [{ model: "m" }, "prompt"],
    [{ model: "m", prompt: ["a", "b"] }, "prompt"],
    [{ model: "m", prompt: "p", max_tokens: "5" }, "max_tokens"],
    [{ model: "m", prompt: "p", stream: 1 }, "stream"],
    [{ model: "m", prompt: "p", n: 2 }, "n"],
  ])("completions: rejects %j with 400 naming %s", async (body, param) => {
    await expectOpenAIError(post("/v1/completions", body), 400, param);
  });

  it("rejects a bad deadline header with 400 naming it", async () => {
    await expectOpenAIError(
      post("/v1/chat/completions", chat, { [DEADLINE_HEADER]: "soon" }),
      400,
      DEADLINE_HEADER,
    );
  });

  it("answers an unknown route with 404", async () => {
    const error = await expectOpenAIError({ method: "GET", url: "/v1/nothing?key=secret" }, 404, null);
    expect(error.message).toContain("/v1/nothing");
    expect(error.message).not.toContain("secret");
    await expectOpenAIError({ method: "GET", url: "/v1/chat/completions" }, 404, null);
  });

  it("answers a URL that cannot be decoded with 400", async () => {
    await expectOpenAIError({ method: "GET", url: "/v1/models/%zz" }, 400, null);
  });
});

describe("gateway lifecycle", () => {
  it("applies documented defaults", () => {
    const options = resolveGatewayOptions({ backend: unreachableBackend() });
    expect(options.bodyLimitBytes).toBe(1_048_576);
    expect(options.isReady()).toBe(true);
  });

  it("limits account creation to 5 per address per minute by default", async () => {
    const { accountLimiter } = resolveGatewayOptions({ backend: unreachableBackend() });
    for (let i = 0; i < 5; i++) expect((await accountLimiter.take("10.0.0.1")).allowed).toBe(true);
    const refused = await accountLimiter.take("10.0.0.1");
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThan(50);
    expect((await accountLimiter.take("10.0.0.2")).allowed).toBe(true);
  });

  it("rejects a bad account rate limit", () => {
    expect(() =>
      resolveGatewayOptions({ backend: unreachableBackend(), accountRateLimit: { max: 5, windowMs: 0 } }),
    ).toThrow(RangeError);
  });

  it("rejects a bad body limit", () => {
    expect(() => resolveGatewayOptions({ backend: unreachableBackend(), bodyLimitBytes: 0 })).toThrow(
      RangeError,
    );
    expect(() => resolveGatewayOptions({ backend: unreachableBackend(), bodyLimitBytes: 1.5 })).toThrow(
      RangeError,
    );
  });

  it("closes promptly and more than once", async () => {
    const app = await buildGateway({ backend: unreachableBackend() });
    await app.listen({ host: "127.0.0.1", port: 0 });
    await app.close();
    await app.close();
  });
});
