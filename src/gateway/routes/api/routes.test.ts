import { Writable } from "node:stream";
import type { FastifyInstance, InjectOptions } from "fastify";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type {
  AccountBackend,
  AdminBackend,
  CallOptions,
  JobBackend,
  JobOutcome,
  JobRequest,
  NetworkBackend,
} from "../../../client/types.js";
import { ErrorCode, SwitchyardError } from "../../../core/errors.js";
import { buildGateway, type GatewayOptions } from "../../app.js";
import { FixedWindowRateLimiter } from "../../rate-limiter.js";
import { unreachableBackend } from "../../unreachable-backend.test-util.js";

const outcome: JobOutcome = {
  jobId: "j1",
  output: "HI",
  chunks: 1,
  nodeIds: ["n1"],
  cost: 10,
  durationMs: 3,
  usage: undefined,
  model: "",
};

/** A backend that records each call with the key it carried, answering from canned values. */
function recordingBackend(fail?: SwitchyardError) {
  const calls: Array<{ method: string; apiKey: string | undefined; arg: unknown }> = [];
  const record = (method: string, arg: unknown, options?: CallOptions) => {
    calls.push({ method, apiKey: options?.apiKey, arg });
    if (fail) throw fail;
  };
  const backend: JobBackend & AccountBackend & NetworkBackend & AdminBackend = {
    ...unreachableBackend(),
    async submit(job: JobRequest, options?: CallOptions) {
      record("submit", job, options);
      return outcome;
    },
    async *submitStream(job: JobRequest, options?: CallOptions) {
      record("submitStream", job, options);
      yield { type: "delta" as const, text: "H", chunkIndex: 0 };
      yield { type: "delta" as const, text: "I", chunkIndex: 0 };
      yield { type: "result" as const, result: outcome };
    },
    async listModels() {
      return [];
    },
    async createAccount(name, options) {
      record("createAccount", name, options);
      return { accountId: "a1", apiKey: "sy_new", balance: 1000 };
    },
    async balance(options) {
      record("balance", undefined, options);
      return { balance: 990, held: 0, earned: 0, spent: 10 };
    },
    async transactions(page, options) {
      record("transactions", page, options);
      return { transactions: [], nextCursor: "" };
    },
    async createKey(label, options) {
      record("createKey", label, options);
      return { keyId: "k2", apiKey: "sy_second" };
    },
    async listKeys(options) {
      record("listKeys", undefined, options);
      return [];
    },
    async revokeKey(keyId, options) {
      record("revokeKey", keyId, options);
    },
    async status() {
      throw new Error("not used by these tests");
    },
    async nodes() {
      throw new Error("not used by these tests");
    },
  };
  return { backend, calls };
}

const json = { "content-type": "application/json" };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("native API routes", () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function gateway(options: Partial<GatewayOptions> & { fail?: SwitchyardError } = {}) {
    const { backend, calls } = recordingBackend(options.fail);
    app = await buildGateway({ backend, ...options });
    return { app, calls };
  }

  it.each<InjectOptions>([
    { method: "GET", url: "/api/v1/balance" },
    { method: "GET", url: "/api/v1/transactions" },
    { method: "GET", url: "/api/v1/history" },
    { method: "GET", url: "/api/v1/keys" },
    { method: "POST", url: "/api/v1/keys", headers: json, payload: {} },
    { method: "DELETE", url: "/api/v1/keys/k1" },
    { method: "POST", url: "/api/v1/jobs", headers: json, payload: { task_type: "echo", content: "x" } },
    { method: "POST", url: "/api/v1/jobs", headers: json, payload: { nonsense: true } },
    { method: "POST", url: "/api/v1/request", headers: json, payload: { task_type: "echo", content: "x" } },
    { method: "POST", url: "/api/v1/request" },
    { method: "GET", url: "/api/v1/balance", headers: { authorization: "Basic dXNlcjpwdw==" } },
  ])("answers $method $url without a key with 401 before calling the router", async (request) => {
    const { app, calls } = await gateway();
    const res = await app.inject(request);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { type: "authentication_error", code: "invalid_api_key" } });
    expect(calls).toEqual([]);
  });

  it("passes the bearer key through and encodes the answers", async () => {
    const { app, calls } = await gateway();
    const balance = await app.inject({ method: "GET", url: "/api/v1/balance", headers: bearer("sy_a") });
    expect(balance.json()).toEqual({ balance: 990, held: 0, earned: 0, spent: 10 });
    const job = await app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: { ...json, ...bearer("sy_a") },
      payload: { task_type: "echo", content: "hi", max_cost: 10 },
    });
    expect(job.statusCode).toBe(200);
    expect(job.json()).toMatchObject({ job_id: "j1", status: "succeeded", result: "HI", nodes: ["n1"] });
    const key = await app.inject({ method: "POST", url: "/api/v1/keys", headers: bearer("sy_a") });
    expect(key.statusCode).toBe(201);
    expect(key.json()).toEqual({ key_id: "k2", api_key: "sy_second" });
    const revoked = await app.inject({ method: "DELETE", url: "/api/v1/keys/k2", headers: bearer("sy_a") });
    expect(revoked.statusCode).toBe(204);
    expect(revoked.body).toBe("");
    expect(calls.map((c) => [c.method, c.apiKey])).toEqual([
      ["balance", "sy_a"],
      ["submit", "sy_a"],
      ["createKey", "sy_a"],
      ["revokeKey", "sy_a"],
    ]);
    expect(calls[1]?.arg).toEqual({ capability: "echo", content: "hi", maxCost: 10 });
  });

  it("takes the seed system's key from the body or the query, the header winning", async () => {
    const { app, calls } = await gateway();
    const body = { task_type: "echo", content: "x", api_key: "sy_body" };
    const res = await app.inject({ method: "POST", url: "/api/v1/request", headers: json, payload: body });
    expect(res.json()).toEqual({
      task_id: "j1",
      status: "completed",
      result: "HI",
      cost: 10,
      node_id: "n1",
      processing_time_ms: 3,
    });
    await app.inject({
      method: "POST",
      url: "/api/v1/request",
      headers: { ...json, ...bearer("sy_header") },
      payload: body,
    });
    await app.inject({ method: "GET", url: "/api/v1/history?api_key=sy_query&limit=2" });
    expect(calls.map((c) => [c.method, c.apiKey])).toEqual([
      ["submit", "sy_body"],
      ["submit", "sy_header"],
      ["transactions", "sy_query"],
    ]);
    expect(calls[0]?.arg).toEqual({ capability: "echo", content: "x" });
    expect(calls[2]?.arg).toEqual({ limit: 2 });
  });

  it.each([
    [{ task_type: "echo", content: "x", max_cost: -1 }, "max_cost"],
    [{ task_type: "echo", content: "x", max_cost: 1.5 }, "max_cost"],
    [{ task_type: "", content: "x" }, "task_type"],
    [{ task_type: "echo", content: "x", deadline_ms: 0 }, "deadline_ms"],
  ])("answers a bad job %j with 400 naming %s, without calling the router", async (payload, param) => {
    const { app, calls } = await gateway();
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: { ...json, ...bearer("sy_a") },
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { type: "invalid_request_error", param } });
    expect(calls).toEqual([]);
  });

  it("answers a bad limit with 400 naming it", async () => {
    const { app } = await gateway();
    const res = await app.inject({
      method: "GET",
      url: "/api/v1/transactions?limit=0",
      headers: bearer("k"),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { param: "limit" } });
  });

  it("creates accounts with 201 (and 200 on /register) until the per-address limit, then 429 with Retry-After", async () => {
    let now = 0;
    const accountRateLimiter = new FixedWindowRateLimiter({ max: 2, windowMs: 30_000, now: () => now });
    const { app, calls } = await gateway({ accountRateLimiter });
    const first = await app.inject({
      method: "POST",
      url: "/api/v1/accounts",
      headers: json,
      payload: { name: "a" },
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ account_id: "a1", api_key: "sy_new", balance: 1000 });
    const second = await app.inject({ method: "POST", url: "/api/v1/register" });
    expect(second.statusCode).toBe(200);
    now = 10_000;
    const third = await app.inject({ method: "POST", url: "/api/v1/accounts" });
    expect(third.statusCode).toBe(429);
    expect(third.headers["retry-after"]).toBe("20");
    expect(third.json()).toMatchObject({
      error: { type: "rate_limit_exceeded", code: "rate_limit_exceeded" },
    });
    expect(calls.map((c) => c.arg)).toEqual(["a", "unnamed"]);
    now = 30_000;
    expect((await app.inject({ method: "POST", url: "/api/v1/accounts" })).statusCode).toBe(201);
  });

  it("applies accountRateLimit and rejects a bad one", async () => {
    const { app } = await gateway({ accountRateLimit: { max: 1, windowMs: 60_000 } });
    expect((await app.inject({ method: "POST", url: "/api/v1/accounts" })).statusCode).toBe(201);
    expect((await app.inject({ method: "POST", url: "/api/v1/accounts" })).statusCode).toBe(429);
    await expect(gateway({ accountRateLimit: { max: 0, windowMs: 1 } })).rejects.toThrow(RangeError);
  });

  it("maps the router's errors through the catalogue, with Retry-After on 429", async () => {
    const fail = new SwitchyardError(ErrorCode.RateLimited, "queue full", { retryAfterSeconds: 2.2 });
    const { app } = await gateway({ fail });
    const res = await app.inject({ method: "GET", url: "/api/v1/balance", headers: bearer("k") });
    expect(res.statusCode).toBe(429);
    expect(res.headers["retry-after"]).toBe("3");
    await app.close();
    const over = await gateway({
      fail: new SwitchyardError(ErrorCode.InsufficientCredits, "over", { param: "max_cost" }),
    });
    const job = await over.app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: { ...json, ...bearer("k") },
      payload: { task_type: "echo", content: "x", max_cost: 1 },
    });
    expect(job.statusCode).toBe(402);
    expect(job.json()).toMatchObject({ error: { type: "insufficient_quota", param: "max_cost" } });
  });

  it("streams deltas, then the result, then [DONE]", async () => {
    const { app } = await gateway();
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: { ...json, ...bearer("k") },
      payload: { task_type: "echo", content: "x", stream: true },
    });
    expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
    const events = res.body
      .split("\n\n")
      .filter((e) => e !== "")
      .map((e) => e.replace(/^data: /, ""));
    expect(events).toEqual([
      JSON.stringify({ delta: "H" }),
      JSON.stringify({ delta: "I" }),
      JSON.stringify({
        result: {
          job_id: "j1",
          status: "succeeded",
          result: "HI",
          cost: 10,
          chunks: 1,
          nodes: ["n1"],
          duration_ms: 3,
        },
      }),
      "[DONE]",
    ]);
  });

  it("keeps keys sent in the query out of the request log", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const { app } = await gateway({ logger: pino({ level: "trace" }, sink) });
    await app.inject({ method: "GET", url: "/api/v1/history?limit=5&api_key=sy_very_secret_key" });
    const log = lines.join("");
    expect(log).toContain("/api/v1/history?limit=5&api_key=[redacted]");
    expect(log).not.toContain("sy_very_secret_key");
  });
});
