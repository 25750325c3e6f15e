import { describe, expect, it } from "vitest";
import { combineObservers } from "../observer.js";
import { labelValues, sample } from "./metric-values.test-util.js";
import { RouterMetrics } from "./router-metrics.js";

function metrics(maxCapabilities?: number): RouterMetrics {
  return new RouterMetrics(
    maxCapabilities === undefined ? { processMetrics: false } : { processMetrics: false, maxCapabilities },
  );
}

describe("router observer events as Prometheus metrics", () => {
  it("counts finished jobs by capability and outcome, with durations in seconds", async () => {
    const m = metrics();
    const o = combineObservers([m.observer]);
    o.jobFinished({ capability: "chat", outcome: "succeeded", durationMs: 250, overheadMs: 4, chunks: 1 });
    o.jobFinished({ capability: "chat", outcome: "succeeded", durationMs: 750, overheadMs: 6, chunks: 1 });
    o.jobFinished({
      capability: "chat",
      outcome: "deadline_exceeded",
      durationMs: 2_000,
      overheadMs: 0,
      chunks: 1,
    });
    const r = m.registry;
    expect(await sample(r, "switchyard_jobs_total", { capability: "chat", outcome: "succeeded" })).toBe(2);
    expect(
      await sample(r, "switchyard_jobs_total", { capability: "chat", outcome: "deadline_exceeded" }),
    ).toBe(1);
    const ok = { capability: "chat", outcome: "succeeded" };
    expect(
      await sample(r, "switchyard_job_duration_seconds", ok, "switchyard_job_duration_seconds_sum"),
    ).toBe(1);
    expect(
      await sample(r, "switchyard_job_duration_seconds", ok, "switchyard_job_duration_seconds_count"),
    ).toBe(2);
    // Overhead only for succeeded jobs: a failed job's 0 says nothing.
    const overhead = "switchyard_router_overhead_seconds";
    expect(await sample(r, overhead, { capability: "chat" }, `${overhead}_count`)).toBe(2);
    expect(await sample(r, overhead, { capability: "chat" }, `${overhead}_sum`)).toBeCloseTo(0.01);
  });

  it("puts a 1 ms job and a 10 minute job in their own buckets", async () => {
    const m = metrics();
    m.observer.jobFinished?.({
      capability: "echo",
      outcome: "succeeded",
      durationMs: 1,
      overheadMs: 0,
      chunks: 1,
    });
    m.observer.jobFinished?.({
      capability: "echo",
      outcome: "succeeded",
      durationMs: 600_000,
      overheadMs: 0,
      chunks: 1,
    });
    const bucket = (le: string) =>
      sample(
        m.registry,
        "switchyard_job_duration_seconds",
        { capability: "echo", outcome: "succeeded", le },
        "switchyard_job_duration_seconds_bucket",
      );
    expect(await bucket("0.001")).toBe(1);
    expect(await bucket("300")).toBe(1);
    expect(await bucket("600")).toBe(2);
  });

  it("records chunks at acceptance, task paths, task results and retries", async () => {
    const m = metrics();
    const o = m.observer;
    o.jobAccepted?.("summarize", 4);
    o.jobAccepted?.("summarize", 1);
    o.taskAssigned?.("summarize", false);
    o.taskAssigned?.("summarize", false);
    o.taskAssigned?.("summarize", true);
    o.taskFinished?.({ capability: "summarize", nodeId: "n1", ok: true, durationMs: 100 });
    o.taskFinished?.({ capability: "summarize", nodeId: "n2", ok: false, durationMs: 50 });
    o.taskRetried?.("summarize");
    const r = m.registry;
    const cap = { capability: "summarize" };
    expect(await sample(r, "switchyard_job_chunks", cap, "switchyard_job_chunks_sum")).toBe(5);
    expect(await sample(r, "switchyard_job_chunks", cap, "switchyard_job_chunks_count")).toBe(2);
    expect(await sample(r, "switchyard_tasks_assigned_total", { ...cap, path: "local" })).toBe(2);
    expect(await sample(r, "switchyard_tasks_assigned_total", { ...cap, path: "bus" })).toBe(1);
    expect(await sample(r, "switchyard_tasks_total", { ...cap, result: "succeeded" })).toBe(1);
    expect(await sample(r, "switchyard_tasks_total", { ...cap, result: "failed" })).toBe(1);
    expect(await sample(r, "switchyard_task_retries_total", cap)).toBe(1);
    expect(
      await sample(
        r,
        "switchyard_task_duration_seconds",
        { ...cap, result: "succeeded" },
        "switchyard_task_duration_seconds_sum",
      ),
    ).toBeCloseTo(0.1);
  });

  it("never labels a series with a node id, and caps the capability label set", async () => {
    const m = metrics(3);
    for (let i = 0; i < 10; i++) {
      m.observer.taskFinished?.({
        capability: `cap-${i}`,
        nodeId: `node-secret-${i}`,
        ok: true,
        durationMs: 1,
      });
    }
    const values = await labelValues(m.registry);
    expect(values.some((v) => v.includes("node-secret"))).toBe(false);
    const capabilities = new Set(
      (await m.registry.getSingleMetric("switchyard_tasks_total")?.get())?.values.map(
        (v) => v.labels.capability,
      ),
    );
    expect([...capabilities].sort()).toEqual(["cap-0", "cap-1", "cap-2", "other"]);
  });

  it("registers in its own registry, so two routers in one process do not collide", () => {
    const a = metrics();
    const b = metrics();
    expect(a.registry).not.toBe(b.registry);
    expect(a.registry.getSingleMetric("switchyard_jobs_total")).not.toBe(
      b.registry.getSingleMetric("switchyard_jobs_total"),
    );
  });
});
