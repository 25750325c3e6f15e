import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { CallOptions, NetworkBackend, NetworkStatus } from "../../../client/types.js";
import { ErrorCode, SwitchyardError } from "../../../core/errors.js";
import { buildGateway } from "../../app.js";
import { installErrorHandling } from "../../error-handler.js";
import { unreachableBackend } from "../../unreachable-backend.test-util.js";
import { networkRoutes } from "./network.js";
import { sampleNode, sampleStatus } from "./network-samples.test-util.js";

/** A network backend that records its calls; `status` answers from `nextStatus`. */
function fakeNetwork() {
  const calls = { status: 0, nodes: [] as Array<{ filter: unknown; options: CallOptions | undefined }> };
  let nextStatus: () => Promise<NetworkStatus> = async () => sampleStatus;
  const backend: NetworkBackend = {
    async status() {
      calls.status++;
      return nextStatus();
    },
    async nodes(filter, options) {
      calls.nodes.push({ filter, options });
      return [sampleNode];
    },
  };
  return {
    backend,
    calls,
    answerStatus: (fn: () => Promise<NetworkStatus>) => {
      nextStatus = fn;
    },
  };
}

describe("network routes", () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** The network routes alone, with the gateway's error handling and a clock the test moves. */
  async function routes(backend: NetworkBackend) {
    const clock = { now: 50_000 };
    app = Fastify();
    installErrorHandling(app);
    await app.register(networkRoutes, { backend, now: () => clock.now });
    return { app, clock };
  }

  it("answers the status without a key, in snake_case, with when it was read", async () => {
    const net = fakeNetwork();
    const { app } = await routes(net.backend);
    const res = await app.inject({ method: "GET", url: "/api/v1/status" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      nodes_online: 2,
      capabilities: [
        { capability: "echo", nodes: 2, price: 10 },
        { capability: "upper", nodes: 1, price: 25 },
      ],
      models: ["switchyard/demo"],
      pricing: { echo: 10, upper: 25 },
      jobs_24h: 40,
      failure_rate_24h: 0.025,
      latency_p50_ms: 12,
      latency_p99_ms: 180,
      generated_at: new Date(50_000).toISOString(),
    });
  });

  it("reads the status from the router at most once a second", async () => {
    const net = fakeNetwork();
    const { app, clock } = await routes(net.backend);
    await app.inject({ method: "GET", url: "/api/v1/status" });
    clock.now += 999;
    const cached = await app.inject({ method: "GET", url: "/api/v1/status" });
    expect(cached.json().generated_at).toBe(new Date(50_000).toISOString());
    expect(net.calls.status).toBe(1);
    clock.now += 1;
    const fresh = await app.inject({ method: "GET", url: "/api/v1/status" });
    expect(fresh.json().generated_at).toBe(new Date(51_000).toISOString());
    expect(net.calls.status).toBe(2);
  });

  it("shares one router read among concurrent requests", async () => {
    const net = fakeNetwork();
    let release!: (s: NetworkStatus) => void;
    net.answerStatus(() => new Promise((resolve) => (release = resolve)));
    const { app } = await routes(net.backend);
    const requests = Array.from({ length: 5 }, () => app.inject({ method: "GET", url: "/api/v1/status" }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(net.calls.status).toBe(1);
    release({ ...sampleStatus, nodesOnline: 7 });
    const answers = await Promise.all(requests);
    expect(answers.map((r) => r.json().nodes_online)).toEqual([7, 7, 7, 7, 7]);
    expect(net.calls.status).toBe(1);
  });

  it("answers a router failure with its catalogue status, and tries again on the next request", async () => {
    const net = fakeNetwork();
    net.answerStatus(async () => {
      throw new SwitchyardError(ErrorCode.Unavailable, "no router");
    });
    const { app } = await routes(net.backend);
    const failed = await app.inject({ method: "GET", url: "/api/v1/status" });
    expect(failed.statusCode).toBe(503);
    expect(failed.json().error.type).toBe("service_unavailable");
    net.answerStatus(async () => sampleStatus);
    const ok = await app.inject({ method: "GET", url: "/api/v1/status" });
    expect(ok.statusCode).toBe(200);
    expect(net.calls.status).toBe(2);
  });

  it("lists nodes without a key, passing only the filters that were given", async () => {
    const net = fakeNetwork();
    const { app } = await routes(net.backend);
    const all = await app.inject({ method: "GET", url: "/api/v1/nodes" });
    expect(all.statusCode).toBe(200);
    expect(all.json()).toEqual({
      nodes: [
        expect.objectContaining({
          node_id: "node-1",
          name: "gpu-a",
          success_rate: 0.9,
          connected_at: "2025-01-02T03:04:05.000Z",
        }),
      ],
    });
    await app.inject({ method: "GET", url: "/api/v1/nodes?capability=%20upper%20&model=" });
    await app.inject({ method: "GET", url: "/api/v1/nodes?model=switchyard%2Fdemo" });
    expect(net.calls.nodes.map((c) => c.filter)).toEqual([
      {},
      { capability: "upper" },
      { model: "switchyard/demo" },
    ]);
    expect(net.calls.nodes[0]?.options?.signal).toBeInstanceOf(AbortSignal);
  });

  it("refuses a filter sent twice", async () => {
    const net = fakeNetwork();
    const { app } = await routes(net.backend);
    const res = await app.inject({ method: "GET", url: "/api/v1/nodes?capability=a&capability=b" });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.param).toBe("capability");
    expect(net.calls.nodes).toHaveLength(0);
  });

  it("is part of the gateway, with no key needed", async () => {
    const net = fakeNetwork();
    app = await buildGateway({ backend: { ...unreachableBackend(), ...net.backend } });
    const status = await app.inject({ method: "GET", url: "/api/v1/status" });
    const nodes = await app.inject({ method: "GET", url: "/api/v1/nodes" });
    expect([status.statusCode, nodes.statusCode]).toEqual([200, 200]);
  });
});
