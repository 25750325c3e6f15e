import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/core/errors.js";
import { Ledger } from "../../src/ledger/ledger.js";
import { PostgresServer, postgresAvailable } from "../helpers/postgres.js";
import { freePort } from "../helpers/services.js";
import { eventually, TestStack } from "../helpers/stack.js";

const CLI = fileURLToPath(new URL("../../bin/switchyard.js", import.meta.url));

describe.skipIf(!postgresAvailable())("a router killed between charge and settlement", () => {
  let postgres: PostgresServer;
  const stack = new TestStack();
  beforeAll(async () => {
    postgres = await PostgresServer.start();
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
  });
  afterEach(() => stack.close());

  it("gets the client's credits back exactly once from the reaper", async () => {
    const databaseUrl = await postgres.createDatabase();
    const ledger = await Ledger.open({ databaseUrl });
    stack.defer(() => ledger.close());
    const operator = await ledger.createAccount({ name: "operator" });
    const client = await ledger.createAccount({ name: "client" });

    const port = await freePort();
    const router = spawn(process.execPath, [CLI, "router", "--port", String(port), "--id", "doomed"], {
      stdio: "ignore",
      env: { ...process.env, LOG_LEVEL: "silent", DATABASE_URL: databaseUrl },
    });
    stack.defer(() => router.kill("SIGKILL"));
    const address = `127.0.0.1:${port}`;
    let started = false;
    await stack.node([address], {
      name: "stuck",
      apiKey: operator.apiKey,
      handlers: {
        echo: () => {
          started = true;
          return new Promise<string>(() => {});
        },
      },
    });
    const job = stack
      .client([address], client.apiKey)
      .submit({ capability: "echo", content: "x", deadlineMs: 60_000 });
    await eventually(() => started, 20_000, "the job running on the node");
    // The node may start before the hold is written; the router is killed once it is.
    await eventually(async () => (await ledger.balance(client.accountId)).held === 10, 10_000, "the hold");
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 990, held: 10 });

    router.kill("SIGKILL");
    await expect(job).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    // Nothing settles the hold: the router is gone. Once its TTL passed, the reaper refunds it.
    expect(await ledger.reapExpiredHolds()).toBe(0);
    const later = Date.now() + 10 * 60_000;
    const [first, second] = await Promise.all([
      ledger.reapExpiredHolds(later),
      ledger.reapExpiredHolds(later),
    ]);
    expect((first ?? 0) + (second ?? 0)).toBe(1);
    expect(await ledger.reapExpiredHolds(later)).toBe(0);
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 1000, held: 0 });
    const kinds = (await ledger.transactions(client.accountId, {})).items.map((t) => t.kind);
    expect(kinds.filter((k) => k === "refund")).toHaveLength(1);
    expect((await ledger.auditConservation()).ok).toBe(true);
    expect(await ledger.jobTransactionSums()).toEqual([]);
  });
});
