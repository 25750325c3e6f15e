import { SwitchyardClient } from "../../client/client.js";
import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { buildGateway } from "../../gateway/app.js";
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
  1000 credits. Honours HOST, PORT, ROUTER_PORT and DATA_DIR.`;

export async function runAll(argv: string[], config: Config, logger: Logger): Promise<void> {
  parseFlags(argv, {});
  const billing = await openBilling(config, logger);
  // A fresh demo account to send jobs with, and one that operates the demo worker and earns its credits.
  const demoAccount = await billing.ledger.createAccount({ name: "demo" });
  const operator = await billing.ledger.createAccount({ name: "demo-operator" });
  const router = await Router.create({
    ...routerOptionsFrom(config, logger),
    billing,
    host: config.host,
    port: config.routerPort,
    id: config.routerId,
  });
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
  const client = new SwitchyardClient({ routers: [router.address] });
  const app = await buildGateway({
    backend: client,
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    isReady: () => router.state === "running",
  });
  const url = await app.listen({ host: config.host, port: config.port });
  onShutdownSignal(logger, async () => {
    await app.close();
    await node.stop();
    client.close();
    await router.close();
    await billing.ledger.close();
  });
  console.log(`
Switchyard is running.
  HTTP gateway (OpenAI-compatible): ${url}/v1
  gRPC router:                      ${router.address}
  demo worker:                      ${node.nodeId} (model ${DEMO_MODEL})
  ledger:                           ${ledgerDescription(config)}
  demo API key (${demoAccount.balance} credits):     ${demoAccount.apiKey}

Try it:
  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -H 'authorization: Bearer ${demoAccount.apiKey}' \\
    -d '{"model":"${DEMO_MODEL}","messages":[{"role":"user","content":"Hello, Switchyard!"}]}'
`);
}
