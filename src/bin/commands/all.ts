import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { MetricsServer } from "../../core/metrics/server.js";
import { buildGateway } from "../../gateway/app.js";
import { GatewayMetrics } from "../../gateway/metrics/gateway-metrics.js";
import { InProcessClient } from "../../router/in-process-client.js";
import { RouterMetrics } from "../../router/metrics/router-metrics.js";
import { Router } from "../../router/router.js";
import { builtinHandlers, DEMO_MODEL, demoHandlers } from "../../worker/handlers/builtin.js";
import { Node } from "../../worker/node.js";
import { parseFlags } from "../args.js";
import { onShutdownSignal } from "../lifecycle.js";
import { ledgerDescription, openBilling } from "./billing.js";
import { routerOptionsFrom } from "./router.js";

export const ALL_USAGE = `switchyard all

  Router, gateway and one demo worker (capabilities chat, completion and echo; model ${DEMO_MODEL})
  in one process, on embedded back-ends (PGlite ledger under DATA_DIR). Prints a demo API key with
  1000 credits. Honours HOST, PORT, ROUTER_PORT, DATA_DIR, METRICS_PORT and METRICS_HOST. Metrics:
  the router's (with the process metrics) on METRICS_PORT, the gateway's at /metrics on PORT.`;

export async function runAll(argv: string[], config: Config, logger: Logger): Promise<void> {
  parseFlags(argv, {});
  // Two registries, as in a split deployment: scrape both endpoints; process metrics are on the router's.
  const routerMetrics = new RouterMetrics();
  const gatewayMetrics = new GatewayMetrics({ processMetrics: false });
  const metricsServer = await MetricsServer.start(routerMetrics.registry, {
    host: config.metricsHost,
    port: config.metricsPort,
  });
  const billing = await openBilling(config, logger, routerMetrics.ledger.observe);
  // A fresh demo account to send jobs with, and one that operates the demo worker and earns its credits.
  const demoAccount = await billing.ledger.createAccount({ name: "demo" });
  const operator = await billing.ledger.createAccount({ name: "demo-operator" });
  const admin = await billing.ledger.createAccount({ name: "demo-admin", role: "admin" });
  const router = await Router.create({
    ...routerOptionsFrom(config, logger),
    billing,
    host: config.host,
    port: config.routerPort,
    id: config.routerId,
    observers: [routerMetrics.observer],
    grpcObserver: routerMetrics.grpc,
  });
  routerMetrics.attach(router);
  const demo = demoHandlers({ delayMs: 20 });
  const node = new Node({
    name: "demo-worker",
    routers: [router.address],
    apiKey: operator.apiKey,
    handlers: { chat: demo.chat, completion: demo.completion, echo: builtinHandlers().echo },
    models: [DEMO_MODEL],
    concurrency: 64,
    logger,
  });
  await node.start();
  // Jobs go to the router in this process directly; the rest over gRPC to the same router.
  const client = new InProcessClient(router, { routers: [router.address] });
  const app = await buildGateway({
    backend: client,
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    isReady: () => router.state === "running",
    metrics: gatewayMetrics,
  });
  const url = await app.listen({ host: config.host, port: config.port });
  onShutdownSignal(logger, async () => {
    await app.close();
    await node.stop();
    client.close();
    await router.close();
    await billing.ledger.close();
    await metricsServer.close();
  });
  console.log(`
Switchyard is running.
  HTTP gateway (OpenAI-compatible): ${url}/v1
  gRPC router:                      ${router.address}
  metrics (Prometheus):             ${url}/metrics (gateway), ${metricsServer.url} (router)
  demo worker:                      ${node.nodeId} (model ${DEMO_MODEL})
  ledger:                           ${ledgerDescription(config)}
  demo API key (${demoAccount.balance} credits):     ${demoAccount.apiKey}
  admin API key (/admin/v1):        ${admin.apiKey}
  dashboard:                        ${url}/dashboard/

Try it:
  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -H 'authorization: Bearer ${demoAccount.apiKey}' \\
    -d '{"model":"${DEMO_MODEL}","messages":[{"role":"user","content":"Hello, Switchyard!"}]}'
`);
}
