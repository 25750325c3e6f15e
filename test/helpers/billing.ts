import { Ledger } from "../../src/ledger/ledger.js";
import { Billing, type BillingOptions } from "../../src/router/billing/billing.js";
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
