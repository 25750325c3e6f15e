import { describe, expect, it } from "vitest";
import type { NodeEntry } from "../../../client/types.js";
import { successRate, toNodeBody, toNodeListBody, toStatusBody } from "./network-bodies.js";
import { sampleNode, sampleStatus } from "./network-samples.test-util.js";

describe("network bodies", () => {
  it("maps the status to snake_case with a pricing table and the read time", () => {
    expect(toStatusBody(sampleStatus, Date.UTC(2025, 0, 1))).toEqual({
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
      generated_at: "2025-01-01T00:00:00.000Z",
    });
  });

  it("keeps a capability named __proto__ as a plain pricing key", () => {
    const body = toStatusBody(
      { ...sampleStatus, capabilities: [{ capability: "__proto__", nodes: 1, price: 7 }] },
      0,
    );
    expect(Object.keys(body.pricing)).toEqual(["__proto__"]);
    expect(JSON.parse(JSON.stringify(body)).pricing).toEqual(JSON.parse('{"__proto__": 7}'));
  });

  it("maps a node, with its success rate and connection time", () => {
    expect(toNodeBody(sampleNode)).toEqual({
      node_id: "node-1",
      name: "gpu-a",
      capabilities: ["echo", "upper"],
      languages: ["en"],
      models: ["switchyard/demo"],
      max_concurrency: 8,
      in_flight: 2,
      load: 0.25,
      draining: false,
      labels: { region: "eu" },
      router_id: "router-1",
      connected_at: "2025-01-02T03:04:05.000Z",
      tasks_succeeded: 9,
      tasks_failed: 1,
      success_rate: 0.9,
      latency_p50_ms: 30,
    });
  });

  it("copies fields by name only", () => {
    const extra = { ...sampleNode, secret: "x" } as NodeEntry;
    expect(Object.keys(toNodeListBody([extra]).nodes[0] ?? {})).not.toContain("secret");
  });

  it("gives a node without tasks a null success rate", () => {
    expect(successRate(0, 0)).toBeNull();
    expect(successRate(0, 3)).toBe(0);
    expect(successRate(3, 0)).toBe(1);
  });
});
