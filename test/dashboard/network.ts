import { SwitchyardClient } from "../../src/client/client.js";
import { buildGateway } from "../../src/gateway/app.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import type { BillingOptions } from "../../src/router/billing/billing.js";
import type { Router } from "../../src/router/router.js";
import type { NodeOptions } from "../../src/worker/options.js";
import { testBilling, testLedger } from "../helpers/billing.js";
import type { TestStack } from "../helpers/stack.js";

/** A node to start: its options, without the router address and key, which the network provides. */
export type NodeSpec = Omit<NodeOptions, "routers" | "apiKey">;

/** A running network: a router with billing on PGlite, its nodes and a gateway on a real socket. */
export interface TestNetwork {
  ledger: Ledger;
  router: Router;
  /** The gateway's base URL, `http://127.0.0.1:<port>`. */
  url: string;
}

/**
 * Starts a router with billing on an in-memory PGlite ledger, the given nodes (connected with the
 * operator account's key, registered before this resolves) and a gateway listening on 127.0.0.1:0,
 * all closed with `stack`.
 */
export async function startNetwork(
  stack: TestStack,
  nodes: NodeSpec[],
  billingOptions: Omit<BillingOptions, "ledger"> = {},
): Promise<TestNetwork> {
  const ledger = await testLedger(stack);
  const { billing, operator } = await testBilling(ledger, billingOptions);
  const router = await stack.router({ billing });
  for (const node of nodes) await stack.node(router, { ...node, apiKey: operator.apiKey });
  const backend = new SwitchyardClient({ routers: [router.address] });
  stack.defer(() => backend.close());
  const app = await buildGateway({ backend, accountRateLimit: { max: 100, windowMs: 60_000 } });
  stack.defer(() => app.close());
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { ledger, router, url };
}

/** A new client account created through the gateway; returns its key. */
export async function createClientKey(url: string, name = "client"): Promise<string> {
  const res = await fetch(`${url}/api/v1/accounts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  if (res.status !== 201) throw new Error(`account creation answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { api_key: string };
  return body.api_key;
}
