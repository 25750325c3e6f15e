import { describe, expect, it } from "vitest";
import {
  capabilityMatch,
  DEFAULT_WEIGHTS,
  isAvailable,
  loadOf,
  pickNode,
  type ScoredNode,
  scoreNode,
} from "./score.js";

function node(id: string, over: Partial<ScoredNode> = {}): ScoredNode {
  return {
    id,
    capabilities: ["echo"],
    splittable: [],
    models: [],
    languages: [],
    labels: {},
    inFlight: 0,
    maxConcurrency: 4,
    draining: false,
    ...over,
  };
}

describe("scoring", () => {
  it("weighs capability 0.5, inverse load 0.3 and random 0.2 by default", () => {
    const n = node("a", { inFlight: 1, maxConcurrency: 4 });
    expect(scoreNode(n, { capability: "echo" }, DEFAULT_WEIGHTS, 0.5)).toBeCloseTo(
      0.5 * 1 + 0.3 * 0.75 + 0.2 * 0.5,
    );
  });

  it("lowers the match by one attribute for each preference missed", () => {
    const n = node("a", { languages: ["fr"], labels: { region: "eu" } });
    expect(capabilityMatch(n, { capability: "echo" })).toBe(1);
    expect(capabilityMatch(n, { capability: "echo", language: "en" })).toBe(0.5);
    expect(
      capabilityMatch(n, { capability: "echo", language: "fr", preferLabels: { region: "us" } }),
    ).toBeCloseTo(2 / 3);
    expect(capabilityMatch(node("b"), { capability: "echo", language: "en" })).toBe(1); // no languages: any
  });

  it("treats load as in-flight ÷ concurrency", () => {
    expect(loadOf(node("a", { inFlight: 3, maxConcurrency: 4 }))).toBe(0.75);
  });

  it("never picks a node that is full, draining, excluded, lacking the capability or the model", () => {
    const req = { capability: "chat", model: "m" };
    const nodes = [
      node("full", { capabilities: ["chat"], models: ["m"], inFlight: 4 }),
      node("draining", { capabilities: ["chat"], models: ["m"], draining: true }),
      node("other-model", { capabilities: ["chat"], models: ["x"] }),
      node("other-cap", { models: ["m"] }),
      node("excluded", { capabilities: ["chat"], models: ["m"] }),
    ];
    expect(nodes.filter((n) => isAvailable(n, req)).map((n) => n.id)).toEqual(["excluded"]);
    expect(pickNode(nodes, req, DEFAULT_WEIGHTS, Math.random, new Set(["excluded"]))).toBeUndefined();
  });

  it("picks the highest score: an idle node beats a loaded one when random is equal", () => {
    const nodes = [node("busy", { inFlight: 3 }), node("idle")];
    expect(pickNode(nodes, { capability: "echo" }, DEFAULT_WEIGHTS, () => 0.5)?.id).toBe("idle");
  });

  it("lets the random term decide between equal nodes", () => {
    const draws = [0.9, 0.1];
    const nodes = [node("a"), node("b")];
    expect(pickNode(nodes, { capability: "echo" }, DEFAULT_WEIGHTS, () => draws.shift() ?? 0)?.id).toBe("a");
    const draws2 = [0.1, 0.9];
    expect(pickNode(nodes, { capability: "echo" }, DEFAULT_WEIGHTS, () => draws2.shift() ?? 0)?.id).toBe("b");
  });
});
