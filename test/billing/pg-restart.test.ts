import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../src/ledger/ledger.js";
import { PostgresServer, postgresAvailable } from "../helpers/postgres.js";

describe.skipIf(!postgresAvailable())("the ledger when PostgreSQL drops its connections", () => {
  let postgres: PostgresServer;
  beforeAll(async () => {
    postgres = await PostgresServer.start();
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
  });

  it("fails the calls in flight, never crashes the process, and works again afterwards", async () => {
    const databaseUrl = await postgres.createDatabase();
    const ledger = await Ledger.open({ databaseUrl });
    try {
      const client = await ledger.createAccount({ name: "client" });
      const ids = Array.from({ length: 300 }, (_, i) => `j${i}`);
      for (const jobId of ids) {
        await ledger.hold({
          jobId,
          accountId: client.accountId,
          amount: 1,
          capability: "echo",
          chunks: 1,
          holdTtlMs: 60_000,
        });
      }
      // Settlements run in transactions on checked-out connections; cut every connection of the
      // database while they run, a few times over.
      const settling = Promise.all(
        ids.map((jobId) =>
          ledger.settle({ jobId, outcome: "failed" }).then(
            () => "ok",
            () => "failed",
          ),
        ),
      );
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      for (let i = 0; i < 5; i++) {
        await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        );
        await new Promise((r) => setTimeout(r, 5));
      }
      await admin.end();
      const outcomes = await settling;
      // Whatever failed is settled again (or would be reaped): exactly once in the end.
      const retried = await Promise.all(
        ids.map((jobId, i) =>
          outcomes[i] === "failed" ? ledger.settle({ jobId, outcome: "failed" }) : undefined,
        ),
      );
      expect(retried.filter((r) => r?.settled === true).length).toBe(
        outcomes.filter((o) => o === "failed").length,
      );
      await expect(ledger.balance(client.accountId)).resolves.toMatchObject({ balance: 1000, held: 0 });
      expect((await ledger.auditConservation()).ok).toBe(true);
    } finally {
      await ledger.close();
    }
  });
});
