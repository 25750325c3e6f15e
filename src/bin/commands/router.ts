import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { MetricsServer } from "../../core/metrics/server.js";
import { createRouterBackends } from "../../router/backends.js";
import { RouterMetrics } from "../../router/metrics/router-metrics.js";
import { Router } from "../../router/router.js";
import { intFlag, parseFlags } from "../args.js";
import { onShutdownSignal } from "../lifecycle.js";
import { ledgerDescription, openBilling } from "./billing.js";

export const ROUTER_USAGE = `switchyard router [--host HOST] [--port PORT] [--id NAME] [--metrics-port PORT]

  Runs one router replica: the gRPC server workers and clients connect to. With NATS_URL and
  REDIS_URL set, replicas form a cluster: any replica takes any job and fans chunks out over NATS.
  Credits and keys live in PostgreSQL (DATABASE_URL) or, without it, in PGlite under DATA_DIR.
  --host HOST   address to bind (env HOST, default 127.0.0.1)
  --port PORT   gRPC port (env ROUTER_PORT, default 50051)
  --id NAME     replica id (env ROUTER_ID, default <hostname>-<pid>)
  --metrics-port PORT  Prometheus endpoint, GET /metrics (env METRICS_PORT, default 9464;
                       bound to METRICS_HOST, default HOST)`;

/** Options shared by every router the CLI starts. */
export function routerOptionsFrom(config: Config, logger: Logger) {
  return {
    logger,
    splitThreshold: config.splitThreshold,
    maxChunks: config.maxChunks,
    defaultDeadlineMs: config.defaultDeadlineMs,
    maxDeadlineMs: config.maxDeadlineMs,
    queueLimit: config.queueLimit,
    maxAttempts: config.maxAttempts,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
  };
}

export async function runRouter(argv: string[], config: Config, logger: Logger): Promise<void> {
  const flags = parseFlags(argv, {
    host: { type: "string" },
    port: { type: "string" },
    id: { type: "string" },
    "metrics-port": { type: "string" },
  });
  const id = flags.id ?? config.routerId;
  const metrics = new RouterMetrics();
  const metricsServer = await MetricsServer.start(metrics.registry, {
    host: config.metricsHost,
    port: intFlag(flags["metrics-port"], "metrics-port", config.metricsPort, 0, 65535),
  });
  const billing = await openBilling(config, logger, metrics.ledger.observe);
  const backends = await createRouterBackends(config, id, logger);
  const router = await Router.create({
    ...routerOptionsFrom(config, logger),
    ...backends,
    billing,
    host: flags.host ?? config.host,
    port: intFlag(flags.port, "port", config.routerPort, 0, 65535),
    id,
    observers: [metrics.observer],
    grpcObserver: metrics.grpc,
  });
  metrics.attach(router);
  const mode = backends.bus
    ? `cluster mode (NATS ${config.natsUrl}, Redis ${config.redisUrl})`
    : "embedded mode";
  console.log(
    `switchyard router ${router.id} listening on ${router.address}, ${mode}, ledger ${ledgerDescription(config)}, metrics ${metricsServer.url}`,
  );
  onShutdownSignal(logger, async () => {
    try {
      await router.close();
      await billing.ledger.close();
    } finally {
      await metricsServer.close();
    }
  });
}
