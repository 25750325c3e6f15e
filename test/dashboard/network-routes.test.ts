import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, TestStack } from "../helpers/stack.js";
import { createClientKey, startNetwork, type TestNetwork } from "./network.js";

type Json = Record<string, unknown>;

async function getJson(url: string): Promise<{ status: number; json: Json }> {
  const res = await fetch(url);
  return { status: res.status, json: (await res.json()) as Json };
}

describe("status and nodes end to end: real router with billing on PGlite, real nodes, real sockets", () => {
  const stack = new TestStack();
  let net: TestNetwork;

  beforeAll(async () => {
    net = await startNetwork(
      stack,
      [
        {
          name: "alpha",
          labels: { region: "eu" },
          languages: ["en"],
          handlers: { echo: (c) => c, upper: (c) => c.toUpperCase() },
        },
        { name: "beta", models: ["tiny-model"], concurrency: 2, handlers: { echo: (c) => c } },
      ],
      { prices: { upper: 15 } },
    );
  });

  afterAll(() => stack.close());

  it("reports the network's nodes, capabilities with prices and models, with no key", async () => {
    const { status, json } = await getJson(`${net.url}/api/v1/status`);
    expect(status).toBe(200);
    expect(json).toEqual({
      nodes_online: 2,
      capabilities: [
        { capability: "echo", nodes: 2, price: 10 },
        { capability: "upper", nodes: 1, price: 15 },
      ],
      models: ["tiny-model"],
      pricing: { echo: 10, upper: 15 },
      jobs_24h: expect.any(Number),
      failure_rate_24h: expect.any(Number),
      latency_p50_ms: expect.any(Number),
      latency_p99_ms: expect.any(Number),
      generated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
  });

  it("lists the nodes, filtered by capability or model, and counts their tasks", async () => {
    const all = await getJson(`${net.url}/api/v1/nodes`);
    expect(all.status).toBe(200);
    const nodes = all.json.nodes as Json[];
    expect(nodes.map((n) => n.name)).toEqual(["alpha", "beta"]);
    expect(nodes[1]).toMatchObject({
      node_id: expect.any(String),
      capabilities: ["echo"],
      models: ["tiny-model"],
      max_concurrency: 2,
      in_flight: 0,
      load: 0,
      draining: false,
      labels: {},
      router_id: net.router.id,
      tasks_succeeded: 0,
      tasks_failed: 0,
      success_rate: null,
    });
    expect(Date.parse(nodes[1]?.connected_at as string)).toBeLessThanOrEqual(Date.now());

    const upper = await getJson(`${net.url}/api/v1/nodes?capability=upper`);
    expect((upper.json.nodes as Json[]).map((n) => n.name)).toEqual(["alpha"]);
    const model = await getJson(`${net.url}/api/v1/nodes?model=tiny-model`);
    expect((model.json.nodes as Json[]).map((n) => n.name)).toEqual(["beta"]);

    const key = await createClientKey(net.url);
    const job = await fetch(`${net.url}/api/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ task_type: "upper", content: "hi" }),
    });
    expect(job.status).toBe(200);

    const after = await getJson(`${net.url}/api/v1/nodes?capability=upper`);
    expect((after.json.nodes as Json[])[0]).toMatchObject({
      name: "alpha",
      labels: { region: "eu" },
      languages: ["en"],
      tasks_succeeded: 1,
      tasks_failed: 0,
      success_rate: 1,
    });
    // The status is served from the gateway's cache for up to a second.
    await eventually(
      async () => ((await getJson(`${net.url}/api/v1/status`)).json.jobs_24h as number) >= 1,
      5_000,
      "the job in the 24-hour figures",
    );
  });
});
