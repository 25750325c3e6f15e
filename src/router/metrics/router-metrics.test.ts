import { describe, expect, it } from "vitest";
import type { NodeRecord } from "../directory/directory.js";
import { sample } from "./metric-values.test-util.js";
import { type RouterGaugeSource, RouterMetrics } from "./router-metrics.js";

function node(id: string, routerId: string, capabilities: string[]): NodeRecord {
  return {
    id,
    name: id,
    operator: "op",
    capabilities,
    languages: [],
    models: [],
    splittable: [],
    maxConcurrency: 1,
    inFlight: 0,
    draining: false,
    labels: {},
    sdkVersion: "test",
    routerId,
    connectedAtMs: 0,
    lastSeenAtMs: 0,
  };
}

describe("RouterMetrics", () => {
  it("reads nodes online (this replica's), jobs in flight and tasks queued at scrape time", async () => {
    const m = new RouterMetrics({ processMetrics: false });
    const nodes = [
      node("a", "r1", ["chat", "echo"]),
      node("b", "r1", ["chat"]),
      node("c", "r2", ["chat"]), // another replica's: counted there
    ];
    const source: RouterGaugeSource = {
      id: "r1",
      directory: { list: () => nodes },
      activeJobs: 3,
      queuedTasks: 7,
    };
    // Before attach: nothing to read.
    expect(await sample(m.registry, "switchyard_nodes_online", { capability: "chat" })).toBeUndefined();
    m.attach(source);
    expect(await sample(m.registry, "switchyard_nodes_online", { capability: "chat" })).toBe(2);
    expect(await sample(m.registry, "switchyard_nodes_online", { capability: "echo" })).toBe(1);
    expect(await sample(m.registry, "switchyard_jobs_in_flight")).toBe(3);
    expect(await sample(m.registry, "switchyard_tasks_queued")).toBe(7);
    // A capability whose last node left disappears at the next scrape.
    nodes.splice(0, 1);
    expect(await sample(m.registry, "switchyard_nodes_online", { capability: "echo" })).toBeUndefined();
    const text = await m.registry.metrics();
    expect(text).not.toMatch(/"(a|b|c|r1|r2)"/);
  });

  it("maps ledger observations to operations by result, with latency and batch sizes", async () => {
    const m = new RouterMetrics({ processMetrics: false });
    m.ledger.observe({ operation: "hold", outcome: "ok", durationMs: 2 });
    m.ledger.observe({ operation: "hold", outcome: "insufficient_credits", durationMs: 1 });
    m.ledger.observe({ operation: "settle", outcome: "ok", durationMs: 5 });
    m.ledger.observe({ operation: "settle_batch", outcome: "ok", durationMs: 3, count: 12 });
    const r = m.registry;
    expect(await sample(r, "switchyard_ledger_operations_total", { operation: "hold", result: "ok" })).toBe(
      1,
    );
    expect(
      await sample(r, "switchyard_ledger_operations_total", {
        operation: "hold",
        result: "insufficient_credits",
      }),
    ).toBe(1);
    const duration = "switchyard_ledger_operation_duration_seconds";
    expect(await sample(r, duration, { operation: "hold" }, `${duration}_count`)).toBe(2);
    expect(await sample(r, duration, { operation: "settle" }, `${duration}_sum`)).toBeCloseTo(0.005);
    const batch = "switchyard_ledger_settle_batch_size";
    expect(await sample(r, batch, {}, `${batch}_sum`)).toBe(12);
  });

  it("includes the default process metrics under their usual names unless told not to", async () => {
    const withProcess = new RouterMetrics();
    expect(await withProcess.registry.metrics()).toMatch(/^process_cpu_user_seconds_total /m);
    expect(await withProcess.registry.metrics()).toMatch(/^nodejs_eventloop_lag_seconds /m);
    const without = new RouterMetrics({ processMetrics: false });
    expect(await without.registry.metrics()).not.toMatch(/process_cpu/);
  });
});
