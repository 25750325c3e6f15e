import { Writable } from "node:stream";
import OpenAI from "openai";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SwitchyardClient } from "../../src/client/client.js";
import { buildGateway, type GatewayOptions } from "../../src/gateway/app.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import type { Router } from "../../src/router/router.js";
import { DEMO_MODEL, demoHandlers } from "../../src/worker/handlers/builtin.js";
import { testBilling, testLedger } from "../helpers/billing.js";
import { eventually, TestStack } from "../helpers/stack.js";

type Json = Record<string, unknown>;

/** Collects everything a pino logger writes. */
function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => lines.join("") };
}

/** The `data:` payloads of an SSE body, in order. */
function sseData(body: string): string[] {
  return body
    .split("\n\n")
    .filter((e) => e.startsWith("data: "))
    .map((e) => e.slice("data: ".length));
}

describe("native HTTP API end to end: real router with billing on PGlite, a real node, real sockets", () => {
  const stack = new TestStack();
  const log = logSink();
  /** Every key handed out during the run; none may appear in the gateway's log. */
  const keys: string[] = [];
  let ledger: Ledger;
  let router: Router;
  let url: string;
  let handlerAborted = false;

  beforeAll(async () => {
    ledger = await testLedger(stack);
    const { billing, operator } = await testBilling(ledger);
    keys.push(operator.apiKey);
    router = await stack.router({ billing });
    await stack.node(router, {
      name: "worker",
      apiKey: operator.apiKey,
      models: [DEMO_MODEL],
      handlers: {
        echo: (c) => c,
        upper: (c) => c.toUpperCase(),
        chat: demoHandlers().chat,
        story: async function* () {
          yield "Once ";
          yield "upon ";
          yield "a time.";
        },
        hang: async function* (_c, _p, ctx) {
          yield "first";
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
          handlerAborted = true;
        },
      },
    });
    url = await gateway({ logger: pino({ level: "trace" }, log.stream) });
  });

  afterAll(() => stack.close());

  async function gateway(options: Omit<GatewayOptions, "backend"> = {}): Promise<string> {
    const backend = new SwitchyardClient({ routers: [router.address] });
    stack.defer(() => backend.close());
    const app = await buildGateway({ backend, accountRateLimit: { max: 100, windowMs: 60_000 }, ...options });
    stack.defer(() => app.close());
    return app.listen({ host: "127.0.0.1", port: 0 });
  }

  async function call(
    method: string,
    path: string,
    init: { key?: string; body?: unknown; base?: string } = {},
  ) {
    const headers: Record<string, string> = {};
    if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${init.base ?? url}${path}`, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    const isJson = res.headers.get("content-type")?.startsWith("application/json") === true;
    return { status: res.status, headers: res.headers, text, json: (isJson ? JSON.parse(text) : {}) as Json };
  }

  async function newAccount(name = "client"): Promise<{ accountId: string; key: string }> {
    const res = await call("POST", "/api/v1/accounts", { body: { name } });
    expect(res.status).toBe(201);
    const key = res.json.api_key as string;
    keys.push(key);
    return { accountId: res.json.account_id as string, key };
  }

  async function settledBalance(key: string): Promise<Json> {
    await ledger.flushSettlements();
    const res = await call("GET", "/api/v1/balance", { key });
    expect(res.status).toBe(200);
    return res.json;
  }

  it("creates an account, runs a job for 10 credits and pages the history newest first", async () => {
    const created = await call("POST", "/api/v1/accounts", { body: { name: "alice" } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ account_id: expect.any(String), balance: 1000 });
    const key = created.json.api_key as string;
    keys.push(key);
    expect(key).toMatch(/^sy_/);
    expect(await settledBalance(key)).toEqual({ balance: 1000, held: 0, earned: 0, spent: 0 });

    const job = await call("POST", "/api/v1/jobs", { key, body: { task_type: "upper", content: "hello" } });
    expect(job.status).toBe(200);
    expect(job.json).toMatchObject({
      job_id: expect.any(String),
      status: "succeeded",
      result: "HELLO",
      cost: 10,
      chunks: 1,
      nodes: [expect.any(String)],
      duration_ms: expect.any(Number),
    });
    expect(await settledBalance(key)).toEqual({ balance: 990, held: 0, earned: 0, spent: 10 });

    const first = await call("GET", "/api/v1/transactions?limit=1", { key });
    expect(first.status).toBe(200);
    const [charge] = first.json.transactions as Json[];
    expect(charge).toMatchObject({ kind: "charge", amount: -10, job_id: job.json.job_id });
    expect(new Date(charge?.created_at as string).toISOString()).toBe(charge?.created_at);
    expect(first.json.next_cursor).toEqual(expect.any(String));
    const cursor = encodeURIComponent(first.json.next_cursor as string);
    const second = await call("GET", `/api/v1/transactions?limit=1&cursor=${cursor}`, { key });
    expect(second.json.transactions).toEqual([
      expect.objectContaining({ kind: "grant", amount: 1000, job_id: null }),
    ]);
    expect(second.json.next_cursor).toBeNull();

    const bad = await call("GET", "/api/v1/transactions?limit=501", { key });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { type: "invalid_request_error", param: "limit" } });
  });

  it("creates, lists and revokes keys; a revoked key is refused", async () => {
    const { key } = await newAccount();
    const created = await call("POST", "/api/v1/keys", { key, body: { label: "ci" } });
    expect(created.status).toBe(201);
    const second = created.json.api_key as string;
    keys.push(second);
    const keyId = created.json.key_id as string;
    expect((await call("GET", "/api/v1/balance", { key: second })).status).toBe(200);

    const listed = await call("GET", "/api/v1/keys", { key: second });
    expect(listed.status).toBe(200);
    const entries = listed.json.keys as Json[];
    expect(entries).toHaveLength(2);
    expect(entries.find((k) => k.key_id === keyId)).toMatchObject({
      label: "ci",
      role: expect.any(String),
      revoked: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(JSON.stringify(listed.json)).not.toContain(second);

    const revoked = await call("DELETE", `/api/v1/keys/${keyId}`, { key });
    expect(revoked.status).toBe(204);
    const refused = await call("GET", "/api/v1/balance", { key: second });
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ error: { type: "authentication_error", code: "invalid_api_key" } });
    const after = await call("GET", "/api/v1/keys", { key });
    expect((after.json.keys as Json[]).find((k) => k.key_id === keyId)?.revoked).toBe(true);
  });

  it("serves the seed system's register, request and history with the key in the body and query", async () => {
    const registered = await call("POST", "/api/v1/register", { body: { name: "legacy" } });
    expect(registered.status).toBe(200);
    expect(registered.json).toMatchObject({ account_id: expect.any(String), balance: 1000 });
    const key = registered.json.api_key as string;
    keys.push(key);

    const done = await call("POST", "/api/v1/request", {
      body: { task_type: "echo", content: "ping", api_key: key },
    });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({
      task_id: expect.any(String),
      status: "completed",
      result: "ping",
      cost: 10,
      node_id: expect.any(String),
      processing_time_ms: expect.any(Number),
    });

    const history = await call("GET", `/api/v1/history?api_key=${encodeURIComponent(key)}&limit=10`);
    expect(history.status).toBe(200);
    expect((history.json.transactions as Json[]).map((t) => t.kind)).toEqual(["charge", "grant"]);
    expect(history.json.next_cursor).toBeNull();
  });

  it("streams a job as delta events, then the result, then [DONE]", async () => {
    const { key } = await newAccount();
    const res = await call("POST", "/api/v1/jobs", {
      key,
      body: { task_type: "story", content: "go", stream: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = sseData(res.text);
    expect(events.at(-1)).toBe("[DONE]");
    const payloads = events.slice(0, -1).map((e) => JSON.parse(e) as Json);
    const deltas = payloads.filter((p) => "delta" in p).map((p) => p.delta);
    expect(deltas.join("")).toBe("Once upon a time.");
    expect(payloads.at(-1)).toMatchObject({
      result: { status: "succeeded", result: "Once upon a time.", cost: 10 },
    });
  });

  it("cancels a streamed job when the client disconnects, refunding its hold", async () => {
    const { key } = await newAccount();
    const controller = new AbortController();
    const res = await fetch(`${url}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ task_type: "hang", content: "x", stream: true }),
      signal: controller.signal,
    });
    const reader = res.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain('{"delta":"first"}');
    controller.abort();
    await eventually(() => handlerAborted, 5_000, "the node's task cancelled");
    await eventually(async () => (await settledBalance(key)).balance === 1000, 5_000, "the hold refunded");
  });

  it("answers 402 for max_cost below the cost and 400 for a bad max_cost, charging nothing", async () => {
    const { key } = await newAccount();
    const over = await call("POST", "/api/v1/jobs", {
      key,
      body: { task_type: "echo", content: "x", max_cost: 5 },
    });
    expect(over.status).toBe(402);
    expect(over.json).toMatchObject({ error: { type: "insufficient_quota", param: "max_cost" } });
    for (const maxCost of [-1, 2.5]) {
      const bad = await call("POST", "/api/v1/jobs", {
        key,
        body: { task_type: "echo", content: "x", max_cost: maxCost },
      });
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ error: { type: "invalid_request_error", param: "max_cost" } });
    }
    expect(await settledBalance(key)).toMatchObject({ balance: 1000, held: 0, spent: 0 });
    const history = await call("GET", "/api/v1/transactions", { key });
    expect((history.json.transactions as Json[]).map((t) => t.kind)).toEqual(["grant"]);
  });

  it("answers 404 for a task type no node serves, charging nothing", async () => {
    const { key } = await newAccount();
    const res = await call("POST", "/api/v1/jobs", {
      key,
      body: { task_type: "nobody-does-this", content: "x" },
    });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: { code: "model_not_found" } });
    expect(await settledBalance(key)).toMatchObject({ balance: 1000, held: 0 });
  });

  it("answers 401 without a key and with an unknown key", async () => {
    for (const key of [undefined, "sy_unknown-key-0123456789"]) {
      for (const [method, path, body] of [
        ["GET", "/api/v1/balance", undefined],
        ["GET", "/api/v1/keys", undefined],
        ["POST", "/api/v1/jobs", { task_type: "echo", content: "x" }],
      ] as const) {
        const res = await call(method, path, key === undefined ? { body } : { key, body });
        expect(res.status, `${method} ${path} with ${key ?? "no key"}`).toBe(401);
        expect(res.json).toMatchObject({ error: { type: "authentication_error", code: "invalid_api_key" } });
      }
    }
  });

  it("answers the OpenAI routes without a key with 401 in OpenAI's shape", async () => {
    const res = await call("POST", "/v1/chat/completions", {
      body: { model: DEMO_MODEL, messages: [{ role: "user", content: "hi" }] },
    });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      error: {
        message: expect.any(String),
        type: "authentication_error",
        code: "invalid_api_key",
        param: null,
      },
    });
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: "sy_not-a-key", maxRetries: 0 });
    const err = await openai.chat.completions
      .create({ model: DEMO_MODEL, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    const { key } = await newAccount();
    const ok = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    const completion = await ok.chat.completions.create({
      model: DEMO_MODEL,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBe("You said: hi");
  });

  it("limits account creation per client address with 429 and Retry-After", async () => {
    const base = await gateway({ accountRateLimit: { max: 2, windowMs: 60_000 } });
    for (const path of ["/api/v1/accounts", "/api/v1/register"]) {
      const res = await call("POST", path, { base });
      expect(res.status).toBeLessThan(300);
      keys.push(res.json.api_key as string);
    }
    for (const path of ["/api/v1/accounts", "/api/v1/register"]) {
      const res = await call("POST", path, { base });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect(res.json).toMatchObject({ error: { type: "rate_limit_exceeded", code: "rate_limit_exceeded" } });
    }
  });

  it("never writes a key to the gateway's log", async () => {
    const text = log.text();
    expect(text).toContain("incoming request");
    expect(text).toContain("/api/v1/history?api_key=[redacted]");
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) expect(text).not.toContain(key);
    expect(text).not.toContain("sy_unknown-key-0123456789");
  });
});
