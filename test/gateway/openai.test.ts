import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { SwitchyardClient } from "../../src/client/client.js";
import { buildGateway } from "../../src/gateway/app.js";
import type { Router } from "../../src/router/router.js";
import { DEMO_MODEL, demoHandlers } from "../../src/worker/handlers/builtin.js";
import type { TaskContext, TaskHandler } from "../../src/worker/types.js";
import { eventually, gate, TestStack } from "../helpers/stack.js";

describe("OpenAI-compatible gateway with the official openai client", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  /** Router + gateway on real sockets; returns the gateway's base URL and an OpenAI client for it. */
  async function gateway(router: Router, bodyLimitBytes?: number) {
    const backend = new SwitchyardClient({ routers: [router.address] });
    stack.defer(() => backend.close());
    const app = await buildGateway(bodyLimitBytes === undefined ? { backend } : { backend, bodyLimitBytes });
    stack.defer(() => app.close());
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: "sy_test", maxRetries: 0 });
    return { url, openai };
  }

  it("answers a chat completion from the demo worker, with the whole conversation delivered to the node", async () => {
    const router = await stack.router();
    let seen: TaskContext | undefined;
    const demo = demoHandlers();
    const chat: TaskHandler = (content, params, ctx) => {
      seen = ctx;
      return demo.chat(content, params, ctx);
    };
    await stack.node(router, { name: "demo", models: [DEMO_MODEL], handlers: { chat } });
    const { openai } = await gateway(router);
    const completion = await openai.chat.completions.create({
      model: DEMO_MODEL,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!" },
        { role: "user", content: "How are you?" },
      ],
      temperature: 0.2,
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content).toBe("You said: How are you?");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(seen?.messages.map((m) => [m.role, m.content])).toEqual([
      ["system", "Be brief."],
      ["user", "Hi"],
      ["assistant", "Hello!"],
      ["user", "How are you?"],
    ]);
  });

  it("streams: the first delta reaches the client before the worker yields its last piece", async () => {
    const router = await stack.router();
    const last = gate();
    let lastYielded = false;
    await stack.node(router, {
      name: "streamer",
      models: ["story"],
      handlers: {
        chat: async function* () {
          yield "Once ";
          yield "upon ";
          await last.promise;
          lastYielded = true;
          yield "a time.";
        },
      },
    });
    const { openai } = await gateway(router);
    const stream = await openai.chat.completions.create({
      model: "story",
      messages: [{ role: "user", content: "Tell me a story" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let firstContentBeforeLast: boolean | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content ?? "";
      if (piece !== "" && firstContentBeforeLast === undefined) {
        firstContentBeforeLast = !lastYielded;
        last.open();
      }
      text += piece;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(firstContentBeforeLast).toBe(true);
    expect(text).toBe("Once upon a time.");
    expect(usage).toMatchObject({ total_tokens: expect.any(Number) });
  });

  it("lists the models online, and 404s an unknown one with NotFoundError", async () => {
    const router = await stack.router();
    await stack.node(router, { name: "demo", models: [DEMO_MODEL], handlers: { chat: demoHandlers().chat } });
    const { openai } = await gateway(router);
    const ids = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids.sort()).toEqual(["switchyard/auto", DEMO_MODEL]);
    await expect(openai.models.retrieve(DEMO_MODEL)).resolves.toMatchObject({
      id: DEMO_MODEL,
      object: "model",
    });
    const err = await openai.chat.completions
      .create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });

  it("serves switchyard/auto from any chat node", async () => {
    const router = await stack.router();
    await stack.node(router, { name: "demo", models: [DEMO_MODEL], handlers: { chat: demoHandlers().chat } });
    const { openai } = await gateway(router);
    const completion = await openai.chat.completions.create({
      model: "switchyard/auto",
      messages: [{ role: "user", content: "auto" }],
    });
    expect(completion.choices[0]?.message.content).toBe("You said: auto");
  });

  it("answers bad requests with OpenAI error bodies: malformed JSON, missing messages, wrong types, oversized", async () => {
    const router = await stack.router();
    const { url } = await gateway(router, 4096);
    const post = (body: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
    const cases: Array<[string, number, string | null]> = [
      ["{not json", 400, null],
      [JSON.stringify({ model: "m" }), 400, "messages"],
      [JSON.stringify({ model: "m", messages: "hi" }), 400, "messages"],
      [JSON.stringify({ model: 7, messages: [{ role: "user", content: "x" }] }), 400, "model"],
      [JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(5000) }] }), 413, null],
    ];
    for (const [body, statusCode, param] of cases) {
      const res = await post(body);
      expect(res.status).toBe(statusCode);
      const json = (await res.json()) as { error: { type: string; message: string; param: string | null } };
      expect(json.error.type).toBe("invalid_request_error");
      expect(json.error.message).not.toBe("");
      if (param) expect(json.error.param).toBe(param);
    }
  });

  it("answers 504 at the deadline when the worker never answers, and cancels the task", async () => {
    const router = await stack.router();
    let seen: TaskContext | undefined;
    await stack.node(router, {
      name: "stuck",
      models: ["slow"],
      handlers: {
        chat: (_c, _p, ctx) => {
          seen = ctx;
          return new Promise<string>((_resolve, reject) =>
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
          );
        },
      },
    });
    const { url } = await gateway(router);
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-switchyard-deadline-ms": "300" },
      body: JSON.stringify({ model: "slow", messages: [{ role: "user", content: "x" }] }),
    });
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ error: { type: "timeout" } });
    await eventually(() => seen?.signal.aborted === true, 5_000, "task cancelled");
  });

  it("cancels the job on its node when the client disconnects mid-stream", async () => {
    const router = await stack.router();
    let seen: TaskContext | undefined;
    await stack.node(router, {
      name: "talker",
      models: ["endless"],
      handlers: {
        chat: async function* (_c, _p, ctx) {
          seen = ctx;
          while (!ctx.signal.aborted) {
            yield "more ";
            await new Promise((r) => setTimeout(r, 10));
          }
        },
      },
    });
    const { openai } = await gateway(router);
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: "endless", messages: [{ role: "user", content: "go" }], stream: true },
      { signal: controller.signal },
    );
    let pieces = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) pieces += 1;
        if (pieces === 3) controller.abort();
      }
    } catch {
      // the abort ends the iteration with an error
    }
    expect(pieces).toBe(3);
    await eventually(() => seen?.signal.aborted === true, 5_000, "node task cancelled");
    await eventually(() => router.activeJobs === 0, 5_000, "job over");
  });
});
