import { afterEach, describe, expect, it } from "vitest";
import { MetricsServer } from "../../src/core/metrics/server.js";
import { Ledger } from "../../src/ledger/ledger.js";
import { Billing } from "../../src/router/billing/billing.js";
import { RouterMetrics } from "../../src/router/metrics/router-metrics.js";
import { TestStack } from "../helpers/stack.js";

/** The value of one series in Prometheus text, by its exact name and label text. */
function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("router metrics from a real router, node, ledger and gRPC client", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  it("counts jobs, tasks, retries, gRPC calls and ledger operations, and labels no series with an id or key", async () => {
    const metrics = new RouterMetrics({ processMetrics: false });
    const ledger = await Ledger.open({ pgliteDataDir: "memory://", observe: metrics.ledger.observe });
    stack.defer(() => ledger.close());
    const billing = new Billing({ ledger, defaultPrice: 1 });
    const operator = await ledger.createAccount({ name: "operator" });
    const payer = await ledger.createAccount({ name: "payer" });
    const router = await stack.router({
      billing,
      id: "replica-under-test",
      observers: [metrics.observer],
      grpcObserver: metrics.grpc,
    });
    metrics.attach(router);
    const server = await MetricsServer.start(metrics.registry, { port: 0 });
    stack.defer(() => server.close());
    const node = await stack.node(router, {
      name: "worker-under-test",
      apiKey: operator.apiKey,
      handlers: {
        echo: (content) => content,
        broken: () => {
          throw new Error("always fails");
        },
      },
    });
    const client = stack.client(router, payer.apiKey);

    const outcomes = [];
    for (let i = 0; i < 3; i++)
      outcomes.push(await client.submit({ capability: "echo", content: `job ${i}` }));
    for await (const event of client.submitStream({ capability: "echo", content: "streamed" })) {
      if (event.type === "result") outcomes.push(event.result);
    }
    await expect(client.submit({ capability: "broken", content: "x" })).rejects.toMatchObject({
      code: "upstream_failed",
    });
    await ledger.flushSettlements();

    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(value(text, 'switchyard_jobs_total{capability="echo",outcome="succeeded"}')).toBe(4);
    expect(value(text, 'switchyard_jobs_total{capability="broken",outcome="upstream_failed"}')).toBe(1);
    expect(value(text, 'switchyard_job_duration_seconds_count{capability="echo",outcome="succeeded"}')).toBe(
      4,
    );
    expect(value(text, 'switchyard_router_overhead_seconds_count{capability="echo"}')).toBe(4);
    expect(value(text, 'switchyard_job_chunks_sum{capability="echo"}')).toBe(4);
    expect(value(text, 'switchyard_tasks_assigned_total{capability="echo",path="local"}')).toBe(4);
    expect(value(text, 'switchyard_tasks_total{capability="broken",result="failed"}')).toBe(1);
    expect(value(text, 'switchyard_task_retries_total{capability="broken"}')).toBe(1);
    expect(value(text, 'switchyard_nodes_online{capability="echo"}')).toBe(1);
    expect(value(text, "switchyard_jobs_in_flight")).toBe(0);
    expect(value(text, "switchyard_tasks_queued")).toBe(0);
    const job = 'service="switchyard.v1.JobService"';
    expect(value(text, `switchyard_grpc_requests_total{${job},method="Submit",code="OK"}`)).toBe(3);
    expect(value(text, `switchyard_grpc_requests_total{${job},method="SubmitStream",code="OK"}`)).toBe(1);
    expect(value(text, `switchyard_grpc_requests_total{${job},method="Submit",code="ABORTED"}`)).toBe(1);
    expect(
      value(text, 'switchyard_grpc_requests_in_flight{service="switchyard.v1.NodeService",method="Connect"}'),
    ).toBe(1);
    expect(value(text, 'switchyard_ledger_operations_total{operation="hold",result="ok"}')).toBe(5);
    expect(value(text, 'switchyard_ledger_operations_total{operation="settle",result="ok"}')).toBe(5);
    expect(
      value(text, 'switchyard_ledger_operation_duration_seconds_count{operation="authenticate"}'),
    ).toBeGreaterThan(0);

    // Bounded labels only: no node, job, router or account id, and no key, anywhere in the output.
    const secrets = [
      node.nodeId,
      "worker-under-test",
      "replica-under-test",
      operator.accountId,
      payer.accountId,
      operator.apiKey,
      payer.apiKey,
      ...outcomes.map((o) => o.jobId),
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
