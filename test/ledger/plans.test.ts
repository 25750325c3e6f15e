import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable } from "../helpers/postgres.js";
import { startBackends, type TestBackend } from "./backends.js";

/**
 * PL/pgSQL keeps the plan of each statement of the batch functions for the life of the connection. The
 * plans a connection made while the tables were empty must still read by key once the tables are big:
 * the functions' own planner settings (migration 005) see to that. The plans actually run are read with
 * auto_explain, which ships with the server.
 */
const started = startBackends();

const JOBS_ADDED = 20_000;
const ACCOUNTS_ADDED = 2_000;

describe.runIf(postgresAvailable())("the batch functions' plans on postgres", () => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await started("postgres");
  });
  afterEach(() => backend.cleanup());
  afterAll(() => backend.stop());

  it("read jobs, holds and accounts by key after the tables grew, with plans made while they were empty", async () => {
    const db = await backend.database();
    const session = new pg.Client({ connectionString: db.url as string });
    await session.connect();
    try {
      await session.query(
        `INSERT INTO accounts (id, name, balance) VALUES ('acct_client', 'client', 1000000),
           ('acct_operator', 'operator', 0)`,
      );
      let n = 0;
      const holdAndSettle = async (count: number): Promise<void> => {
        const ids = Array.from({ length: count }, () => `job_plan_${n++}`);
        const held = await session.query<{ hold_outcome: string }>(
          "SELECT hold_outcome FROM place_holds($1, $2, $3, $4, $5, $6, $7)",
          [
            ids,
            ids.map(() => "acct_client"),
            ids.map(() => 10),
            ids.map(() => "chat"),
            ids.map(() => 1),
            ids.map(() => "router-test"),
            ids.map(() => Date.now() + 60_000),
          ],
        );
        expect(held.rows.map((r) => r.hold_outcome)).toEqual(ids.map(() => "ok"));
        const settled = await session.query<{ was_settled: boolean }>(
          "SELECT was_settled FROM settle_jobs($1, $2, $3, $4, $5, $6, $7, $8)",
          [
            ids,
            ids.map(() => "succeeded"),
            ids.map(() => 5),
            ids,
            ids.map(() => "acct_operator"),
            ids.map(() => "node-a"),
            ids.map(() => 10),
            ids.map(() => 1),
          ],
        );
        expect(settled.rows.map((r) => r.was_settled)).toEqual(ids.map(() => true));
        expect(Number((await session.query("SELECT reap_expired_holds($1, 100) AS n", [0])).rows[0]?.n)).toBe(
          0,
        );
      };
      // More calls than the plan cache's five custom plans, so each statement settles on its kept plan.
      for (let i = 0; i < 8; i++) await holdAndSettle(3);

      await session.query(
        `INSERT INTO accounts (id, name, balance)
           SELECT 'acct_more_' || i, 'more', 100 FROM generate_series(1, $1::int) AS i`,
        [ACCOUNTS_ADDED],
      );
      await session.query(
        `INSERT INTO jobs (id, account_id, capability, chunks, cost, outcome, hold_expires_at)
           SELECT 'job_old_' || i, 'acct_client', 'chat', 1, 10, 'succeeded', now()
             FROM generate_series(1, $1::int) AS i`,
        [JOBS_ADDED],
      );
      await session.query(
        `INSERT INTO holds (job_id, account_id, amount, expires_at)
           SELECT 'job_old_' || i, 'acct_client', 10, now() + interval '1 hour'
             FROM generate_series(1, $1::int) AS i`,
        [JOBS_ADDED],
      );

      const plans: string[] = [];
      session.on("notice", (notice) => plans.push(notice.message ?? ""));
      await session.query("LOAD 'auto_explain'");
      await session.query(
        "SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; " +
          "SET client_min_messages = log",
      );
      await holdAndSettle(4);
      await session.query("RESET client_min_messages");

      const nested = plans.filter(
        (p) =>
          p.includes("Query Text:") &&
          !p.includes("FROM place_holds(") &&
          !p.includes("FROM settle_jobs(") &&
          !p.includes("reap_expired_holds($1"),
      );
      expect(nested.length).toBeGreaterThan(10);
      expect(nested.filter((p) => /UPDATE jobs/.test(p))[0]).toMatch(/Index Scan using jobs_pkey/);
      // A statement that reads or writes a table reads it by key and joins nothing by hash or merge.
      // settle_jobs_pairing's statements (migration 006) read only the batch's arrays, so they may hash
      // them: that keeps a settlement linear in the batch size.
      const touchesTable = (plan: string): boolean =>
        /\bon (jobs|holds|accounts|transactions|nodes|api_keys)\b/.test(plan);
      const pairing = nested.filter((p) => !touchesTable(p) && /Function Scan on \w+/.test(p));
      expect(pairing.length).toBeGreaterThan(3);
      for (const plan of nested) {
        expect(plan).not.toMatch(/Seq Scan on (jobs|holds|accounts)\b/);
        if (touchesTable(plan)) expect(plan).not.toMatch(/Hash Join|Merge Join/);
      }
    } finally {
      await session.end();
    }
  });
});
