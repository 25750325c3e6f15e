import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { sample } from "../../router/metrics/metric-values.test-util.js";
import { buildGateway } from "../app.js";
import { unreachableBackend } from "../unreachable-backend.test-util.js";
import { GatewayMetrics } from "./gateway-metrics.js";

const requests = "switchyard_http_requests_total";
const duration = "switchyard_http_request_duration_seconds";

/** A one-shot event a test waits on. */
function signal(): { fired: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fired, fire };
}

/** Polls `check` until it holds, failing after 5 s. */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in 5 s");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("gateway HTTP metrics", () => {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it("serves /metrics without an API key and labels requests by route pattern, never the raw URL", async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    const app = await buildGateway({ backend: unreachableBackend(), metrics });
    closers.push(() => app.close());
    // A bad body is answered before the router; the router is unreachable here, so a good one is a 5xx.
    const bad = await app.inject({
      method: "POST",
      url: "/v1/chat/completions?api_key_hint=sy_secret_in_url",
      payload: { model: "m" },
    });
    expect(bad.statusCode).toBe(400);
    expect((await app.inject({ url: "/v1/models/some-model-id" })).statusCode).toBe(500);
    expect((await app.inject({ url: "/no/such/route/12345" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/healthz" })).statusCode).toBe(200);
    const healthz = { route: "/healthz", method: "GET", status_code: "2xx" };
    await until(async () => (await sample(metrics.registry, requests, healthz)) === 1);

    const res = await app.inject({ url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe(metrics.registry.contentType);
    const r = metrics.registry;
    expect(
      await sample(r, requests, { route: "/v1/chat/completions", method: "POST", status_code: "4xx" }),
    ).toBe(1);
    expect(await sample(r, requests, { route: "/v1/models/*", method: "GET", status_code: "5xx" })).toBe(1);
    expect(await sample(r, requests, { route: "unmatched", method: "GET", status_code: "4xx" })).toBe(1);
    expect(await sample(r, requests, { route: "/healthz", method: "GET", status_code: "2xx" })).toBe(1);
    expect(await sample(r, duration, { route: "/healthz", method: "GET" }, `${duration}_count`)).toBe(1);
    expect(res.body).toContain("switchyard_http_streams_open 0");
    expect(res.body).not.toMatch(/sy_secret|some-model-id|12345/);
  });

  it("has no /metrics route when no metrics are given", async () => {
    const app = await buildGateway({ backend: unreachableBackend() });
    closers.push(() => app.close());
    expect((await app.inject({ url: "/metrics" })).statusCode).toBe(404);
  });

  it("counts hijacked (streamed) responses, 5xx and clients that leave before the status, and open streams", async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    // Kept-alive client connections would hold close() up otherwise.
    const app = Fastify({ forceCloseConnections: true });
    const streams = { size: 0 };
    metrics.install(app, streams);
    const opened = signal();
    const finish = signal();
    app.get("/stream/:id", async (_request, reply) => {
      reply.hijack();
      streams.size += 1;
      reply.raw.writeHead(200, { "content-type": "text/event-stream" });
      reply.raw.write("data: 1\n\n");
      opened.fire();
      await finish.fired;
      streams.size -= 1;
      reply.raw.end("data: [DONE]\n\n");
    });
    app.get("/boom", async () => {
      throw new Error("boom");
    });
    const arrived = signal();
    const leave = signal();
    app.get("/slow", async () => {
      arrived.fire();
      await leave.fired;
      return "late";
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    closers.push(() => app.close());
    const r = metrics.registry;

    const body = fetch(`${url}/stream/42`).then((res) => res.text());
    await opened.fired;
    expect(await r.metrics()).toContain("switchyard_http_streams_open 1");
    finish.fire();
    expect(await body).toContain("[DONE]");
    expect((await fetch(`${url}/boom`)).status).toBe(500);
    const aborter = new AbortController();
    const gone = fetch(`${url}/slow`, { signal: aborter.signal }).catch(() => "aborted");
    await arrived.fired;
    aborter.abort();
    expect(await gone).toBe("aborted");
    const slow = { route: "/slow", method: "GET", status_code: "aborted" };
    await until(async () => (await sample(r, requests, slow)) === 1);
    leave.fire();

    await until(
      async () => (await sample(r, requests, { route: "/boom", method: "GET", status_code: "5xx" })) === 1,
    );
    expect(await sample(r, requests, { route: "/stream/:id", method: "GET", status_code: "2xx" })).toBe(1);
    expect(await sample(r, duration, { route: "/stream/:id", method: "GET" }, `${duration}_count`)).toBe(1);
    expect(await r.metrics()).toContain("switchyard_http_streams_open 0");
  });

  it("installs on one gateway only", () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    metrics.install(Fastify());
    expect(() => metrics.install(Fastify())).toThrow(/already installed/);
  });
});
