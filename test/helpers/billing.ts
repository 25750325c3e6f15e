import { Ledger } from "../../src/ledger/ledger.js";
import { Billing, type BillingOptions } from "../../src/router/billing/billing.js";
import type { NodeOptions } from "../../src/worker/options.js";
import type { PostgresServer } from "./postgres.js";
import type { TestStack } from "./stack.js";

/** A ledger on PGlite in memory, or on a fresh database of a private PostgreSQL server; closed with the stack. */
export async function testLedger(stack: TestStack, postgres?: PostgresServer): Promise<Ledger> {
  const ledger = postgres
    ? await Ledger.open({ databaseUrl: await postgres.createDatabase() })
    : await Ledger.open({ pgliteDataDir: "memory://" });
  stack.defer(() => ledger.close());
  return ledger;
}

/** Billing over `ledger`, with an operator account whose key the test's nodes connect with. */
export async function testBilling(ledger: Ledger, options: Omit<BillingOptions, "ledger"> = {}) {
  const billing = new Billing({ ledger, ...options });
  const operator = await ledger.createAccount({ name: "operator" });
  return { billing, operator };
}

/**
 * A billing router on a fresh PGlite ledger, one worker node serving `handlers` with the operator's key
 * (concurrency 8), and a client account with its opening credits; all closed with the stack.
 */
export async function billedStack(stack: TestStack, handlers: NodeOptions["handlers"]) {
  const ledger = await testLedger(stack);
  const { billing, operator } = await testBilling(ledger);
  const router = await stack.router({ billing });
  await stack.node(router, { name: "worker", apiKey: operator.apiKey, concurrency: 8, handlers });
  const client = await ledger.createAccount({ name: "client" });
  return { ledger, billing, operator, router, client };
}
