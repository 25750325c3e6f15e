import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { SwitchyardClient } from "../../src/client/client.js";
import { buildGateway } from "../../src/gateway/app.js";
import { startOpenAICompatibleServer } from "../../src/worker/handlers/openai-test-server.js";
import { eventually, TestStack } from "../helpers/stack.js";

const CLI = fileURLToPath(new URL("../../bin/switchyard.js", import.meta.url));

describe("openai-upstream worker (CLI process) behind the gateway", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  it("forwards plain and streamed chat completions to an OpenAI-compatible server and serves its models", async () => {
    const upstream = await startOpenAICompatibleServer({
      models: ["tiny-llama", "tiny-qwen"],
      reply: "Paris is the capital of France.",
    });
    stack.defer(() => upstream.close());
    const router = await stack.router();
    const child = spawn(
      process.execPath,
      [
        CLI,
        "worker",
        "--router",
        router.address,
        "--capability",
        "openai-upstream",
        "--upstream",
        upstream.baseUrl,
        "--name",
        "upstream",
      ],
      { stdio: "ignore", env: { ...process.env, LOG_LEVEL: "silent" } },
    );
    stack.defer(() => child.kill("SIGKILL"));
    await eventually(
      () => router.directory.list().some((n) => n.name === "upstream"),
      20_000,
      "upstream worker registered",
    );

    const backend = new SwitchyardClient({ routers: [router.address] });
    stack.defer(() => backend.close());
    const app = await buildGateway({ backend });
    stack.defer(() => app.close());
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: "sy_test", maxRetries: 0 });

    const ids = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(["tiny-llama", "tiny-qwen", "switchyard/auto"]));

    const plain = await openai.chat.completions.create({
      model: "tiny-qwen",
      messages: [
        { role: "system", content: "Answer in one line." },
        { role: "user", content: "Capital of France?" },
      ],
      temperature: 0.1,
      max_tokens: 32,
    });
    expect(plain.choices[0]?.message.content).toBe("Paris is the capital of France.");
    const forwarded = upstream.requests.find((r) => r.path === "/v1/chat/completions");
    expect(forwarded?.body).toMatchObject({
      model: "tiny-qwen",
      messages: [
        { role: "system", content: "Answer in one line." },
        { role: "user", content: "Capital of France?" },
      ],
      temperature: 0.1,
      max_tokens: 32,
    });

    const stream = await openai.chat.completions.create({
      model: "tiny-llama",
      messages: [{ role: "user", content: "Capital of France?" }],
      stream: true,
    });
    const pieces: string[] = [];
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content;
      if (piece) pieces.push(piece);
    }
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe("Paris is the capital of France.");
    const streamed = upstream.requests.filter((r) => r.path === "/v1/chat/completions").at(-1);
    expect(streamed?.body).toMatchObject({ model: "tiny-llama", stream: true });
  });
});
