import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetricsServer } from "../../src/core/metrics/server.js";
import { buildGateway } from "../../src/gateway/app.js";
import { GatewayMetrics } from "../../src/gateway/metrics/gateway-metrics.js";
import { RouterMetrics } from "../../src/router/metrics/router-metrics.js";
import { DEMO_MODEL, demoHandlers } from "../../src/worker/handlers/builtin.js";
import { serviceAvailable } from "../helpers/services.js";
import { delay, TestStack } from "../helpers/stack.js";
import { PrometheusServer } from "./prometheus-server.js";

const available = serviceAvailable("prometheus");

describe.skipIf(!available)("a real Prometheus scraping a router and a gateway", () => {
  const stack = new TestStack();
  let prometheus: PrometheusServer | undefined;
  let gatewayUrl = "";
  let client: ReturnType<TestStack["client"]>;
  let routerTarget = "";
  let gatewayTarget = "";

  beforeAll(async () => {
    const routerMetrics = new RouterMetrics();
    const router = await stack.router({
      observers: [routerMetrics.observer],
      grpcObserver: routerMetrics.grpc,
    });
    routerMetrics.attach(router);
    const metricsServer = await MetricsServer.start(routerMetrics.registry, { port: 0 });
    stack.defer(() => metricsServer.close());
    const demo = demoHandlers();
    await stack.node(router, {
      name: "demo",
      models: [DEMO_MODEL],
      handlers: { chat: demo.chat, echo: (content) => content },
    });
    client = stack.client(router);
    const app = await buildGateway({
      backend: stack.client(router),
      metrics: new GatewayMetrics({ processMetrics: false }),
    });
    stack.defer(() => app.close());
    gatewayUrl = await app.listen({ host: "127.0.0.1", port: 0 });
    routerTarget = `127.0.0.1:${metricsServer.port}`;
    gatewayTarget = new URL(gatewayUrl).host;
    prometheus = await PrometheusServer.start([
      { name: "switchyard-gateway", targets: [gatewayTarget] },
      { name: "switchyard-router", targets: [routerTarget] },
    ]);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await stack.close();
  });

  /** Polls a query until `check` accepts its samples. */
  async function until(
    promql: string,
    check: (samples: { metric: Record<string, string>; value: number }[]) => boolean,
  ) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const samples = (await prometheus?.query(promql)) ?? [];
      if (check(samples)) return samples;
      if (Date.now() > deadline) throw new Error(`${promql} never passed; last: ${JSON.stringify(samples)}`);
      await delay(250);
    }
  }

  it("scrapes both targets and sees jobs from the gateway and from gRPC", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gatewayUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: DEMO_MODEL, messages: [{ role: "user", content: `hello ${i}` }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
    }
    await client.submit({ capability: "echo", content: "over gRPC" });

    const up = await until("up", (s) => s.length === 2 && s.every((x) => x.value === 1));
    expect(up.map((s) => s.metric.instance).sort()).toEqual([gatewayTarget, routerTarget].sort());

    const jobs = await until("sum by (capability) (switchyard_jobs_total)", (s) => s.length === 2);
    expect(Object.fromEntries(jobs.map((s) => [s.metric.capability, s.value]))).toEqual({ chat: 3, echo: 1 });
    await until(
      'sum(switchyard_http_requests_total{route="/v1/chat/completions",method="POST",status_code="2xx"})',
      (s) => s[0]?.value === 3,
    );
    await until('sum(switchyard_grpc_requests_total{code="OK"})', (s) => (s[0]?.value ?? 0) >= 4);
    await until("switchyard_nodes_online", (s) =>
      s.some((x) => x.metric.capability === "chat" && x.value === 1),
    );
    // The router's registry carries the process metrics, under their usual names.
    await until('process_cpu_user_seconds_total{job="switchyard-router"}', (s) => s.length === 1);
  });
});
