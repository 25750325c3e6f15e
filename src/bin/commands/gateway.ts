import { SwitchyardClient } from "../../client/client.js";
import { type Config, parseAddressList } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { buildGateway } from "../../gateway/app.js";
import { GatewayMetrics } from "../../gateway/metrics/gateway-metrics.js";
import { intFlag, parseFlags } from "../args.js";
import { onShutdownSignal } from "../lifecycle.js";

export const GATEWAY_USAGE = `switchyard gateway [--router HOST:PORT[,HOST:PORT]] [--host HOST] [--port PORT]

  Runs the HTTP gateway (OpenAI-compatible /v1, health, Prometheus /metrics) in front of one or more
  routers.
  --router LIST  router addresses (env ROUTER_ADDRESSES, default 127.0.0.1:50051)
  --host HOST    address to bind (env HOST, default 127.0.0.1)
  --port PORT    HTTP port (env PORT, default 8080)`;

export async function runGateway(argv: string[], config: Config, logger: Logger): Promise<void> {
  const flags = parseFlags(argv, {
    router: { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
  });
  const routers = flags.router ? parseAddressList(flags.router, "--router") : config.routerAddresses;
  // No default key: every request is paid for by the key it brings.
  const client = new SwitchyardClient({ routers });
  const app = await buildGateway({
    backend: client,
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    metrics: new GatewayMetrics(),
  });
  const host = flags.host ?? config.host;
  const port = intFlag(flags.port, "port", config.port, 0, 65535);
  const url = await app.listen({ host, port });
  console.log(`switchyard gateway listening on ${url} (routers: ${routers.join(", ")})`);
  onShutdownSignal(logger, async () => {
    await app.close();
    client.close();
  });
}
