import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/core/errors.js";
import type { TaskHandler } from "../../src/worker/types.js";
import { delay, eventually, gate, TestStack } from "../helpers/stack.js";

/** A handler that records who ran it and how many ran at once. */
function tracked(
  name: string,
  seen: Map<string, number>,
  peak: Map<string, number>,
  work: () => Promise<void>,
) {
  let running = 0;
  const handler: TaskHandler = async (content) => {
    running += 1;
    peak.set(name, Math.max(peak.get(name) ?? 0, running));
    seen.set(name, (seen.get(name) ?? 0) + 1);
    try {
      await work();
      return content;
    } finally {
      running -= 1;
    }
  };
  return handler;
}

describe("scheduling over real gRPC", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  it("spreads work evenly over equal idle nodes (the random term)", async () => {
    const router = await stack.router();
    const seen = new Map<string, number>();
    const peak = new Map<string, number>();
    for (const name of ["a", "b", "c"]) {
      await stack.node(router, {
        name,
        concurrency: 8,
        handlers: { echo: tracked(name, seen, peak, async () => {}) },
      });
    }
    const client = stack.client(router);
    for (let i = 0; i < 300; i++) await client.submit({ capability: "echo", content: `job ${i}` });
    // Idle equal nodes differ only by the random term: each should get about a third (binomial sd ≈ 8).
    for (const name of ["a", "b", "c"]) {
      expect(seen.get(name) ?? 0).toBeGreaterThan(55);
      expect(seen.get(name) ?? 0).toBeLessThan(145);
    }
  });

  it("prefers the node matching the requested language: 0.5·match outweighs 0.2·random", async () => {
    const router = await stack.router();
    const seen = new Map<string, number>();
    const peak = new Map<string, number>();
    await stack.node(router, {
      name: "en",
      languages: ["en"],
      handlers: { echo: tracked("en", seen, peak, async () => {}) },
    });
    for (const name of ["fr", "de"]) {
      await stack.node(router, {
        name,
        languages: [name],
        handlers: { echo: tracked(name, seen, peak, async () => {}) },
      });
    }
    const client = stack.client(router);
    for (let i = 0; i < 60; i++) await client.submit({ capability: "echo", content: "x", language: "en" });
    expect(seen.get("en")).toBe(60);
  });

  it("prefers the less loaded node: 0.3·(1 − load) decides when random is equal", async () => {
    // A constant random term leaves load as the only difference between the two nodes.
    const router = await stack.router({ random: () => 0.5 });
    const release = gate();
    const seen = new Map<string, number>();
    const peak = new Map<string, number>();
    await stack.node(router, {
      name: "a",
      concurrency: 4,
      handlers: { echo: tracked("a", seen, peak, () => release.promise) },
    });
    await stack.node(router, {
      name: "b",
      concurrency: 4,
      handlers: { echo: tracked("b", seen, peak, () => release.promise) },
    });
    const client = stack.client(router);
    const jobs = Array.from({ length: 8 }, (_, i) =>
      client.submit({ capability: "echo", content: String(i) }),
    );
    await eventually(() => (seen.get("a") ?? 0) + (seen.get("b") ?? 0) === 8, 5_000, "8 tasks running");
    // Alternating by load, the two nodes fill up evenly.
    expect(seen.get("a")).toBe(4);
    expect(seen.get("b")).toBe(4);
    release.open();
    await Promise.all(jobs);
  });

  it("gives a node at its concurrency limit nothing more; the extra job waits for a free slot", async () => {
    const router = await stack.router();
    const release = gate();
    const seen = new Map<string, number>();
    const peak = new Map<string, number>();
    await stack.node(router, {
      name: "one",
      concurrency: 2,
      handlers: { echo: tracked("one", seen, peak, () => release.promise) },
    });
    const client = stack.client(router);
    const jobs = Array.from({ length: 5 }, (_, i) =>
      client.submit({ capability: "echo", content: String(i) }),
    );
    await eventually(() => seen.get("one") === 2, 5_000, "two tasks running");
    await eventually(() => router.queuedTasks === 3, 5_000, "three tasks queued");
    await delay(100);
    expect(seen.get("one")).toBe(2);
    release.open();
    const results = await Promise.all(jobs);
    expect(results.map((r) => r.output)).toEqual(["0", "1", "2", "3", "4"]);
    expect(peak.get("one")).toBe(2);
  });

  it("completes a burst of 500 jobs over two nodes of concurrency 4 through the queue", async () => {
    const router = await stack.router();
    const seen = new Map<string, number>();
    const peak = new Map<string, number>();
    for (const name of ["p", "q"]) {
      await stack.node(router, {
        name,
        concurrency: 4,
        handlers: { echo: tracked(name, seen, peak, () => delay(1)) },
      });
    }
    const client = stack.client(router);
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => client.submit({ capability: "echo", content: `#${i}` })),
    );
    expect(results.map((r) => r.output)).toEqual(Array.from({ length: 500 }, (_, i) => `#${i}`));
    expect((seen.get("p") ?? 0) + (seen.get("q") ?? 0)).toBe(500);
    expect(peak.get("p")).toBeLessThanOrEqual(4);
    expect(peak.get("q")).toBeLessThanOrEqual(4);
    expect(router.queuedTasks).toBe(0);
  });

  it("answers RESOURCE_EXHAUSTED at once when the queue is full, and queued jobs keep their deadline", async () => {
    const router = await stack.router({ queueLimit: 1 });
    const release = gate();
    await stack.node(router, {
      name: "busy",
      concurrency: 1,
      handlers: { echo: (c) => release.promise.then(() => c) },
    });
    const client = stack.client(router);
    const first = client.submit({ capability: "echo", content: "1" });
    await eventually(() => router.activeJobs === 1 && router.queuedTasks === 0, 5_000, "first job running");
    const queued = client.submit({ capability: "echo", content: "2", deadlineMs: 300 });
    await eventually(() => router.queuedTasks === 1, 5_000, "second job queued");
    await expect(client.submit({ capability: "echo", content: "3" })).rejects.toMatchObject({
      code: ErrorCode.RateLimited,
      retryAfterSeconds: 1,
    });
    await expect(queued).rejects.toMatchObject({ code: ErrorCode.DeadlineExceeded });
    expect(router.queuedTasks).toBe(0);
    release.open();
    await expect(first).resolves.toMatchObject({ output: "1" });
  });

  it("answers NOT_FOUND for an unknown capability or model", async () => {
    const router = await stack.router();
    await stack.node(router, { name: "m", models: ["m1"], handlers: { chat: () => "hi" } });
    const client = stack.client(router);
    await expect(client.submit({ capability: "translate", content: "x" })).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      param: "capability",
    });
    await expect(client.submit({ capability: "chat", model: "m2", content: "x" })).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      param: "model",
    });
    await expect(client.submit({ capability: "chat", model: "m1", content: "x" })).resolves.toMatchObject({
      output: "hi",
    });
  });

  it("rejects malformed jobs with INVALID_ARGUMENT naming the field", async () => {
    const router = await stack.router();
    const client = stack.client(router);
    await expect(client.submit({ capability: "  " })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      param: "capability",
    });
    await expect(client.submit({ capability: "echo", maxCost: -1 })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      param: "max_cost",
    });
  });
});
