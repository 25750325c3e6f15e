import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { MetricsServer } from "./server.js";

describe("MetricsServer", () => {
  const servers: MetricsServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(): Promise<{ server: MetricsServer; registry: Registry }> {
    const registry = new Registry();
    new Counter({ name: "switchyard_test_total", help: "A test counter.", registers: [registry] }).inc(3);
    const server = await MetricsServer.start(registry, { port: 0 });
    servers.push(server);
    return { server, registry };
  }

  it("serves the registry at GET /metrics in the Prometheus text format", async () => {
    const { server, registry } = await start();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(registry.contentType);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain("# TYPE switchyard_test_total counter");
    expect(text).toContain("switchyard_test_total 3");
  });

  it("ignores a query string, answers HEAD without a body, 404 elsewhere and 405 for other methods", async () => {
    const { server } = await start();
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/metrics?x=1`)).status).toBe(200);
    const head = await fetch(`${base}/metrics`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics/x`)).status).toBe(404);
    const post = await fetch(`${base}/metrics`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("closes even with a kept-alive connection open, and close() is idempotent", async () => {
    const { server } = await start();
    await fetch(server.url, { keepalive: true }).then((r) => r.text());
    await Promise.all([server.close(), server.close()]);
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it("rejects when the port is taken, and a bad port at once", async () => {
    const { server } = await start();
    await expect(MetricsServer.start(new Registry(), { port: server.port })).rejects.toThrow(/EADDRINUSE/);
    await expect(MetricsServer.start(new Registry(), { port: 70_000 })).rejects.toThrow(RangeError);
  });
});
