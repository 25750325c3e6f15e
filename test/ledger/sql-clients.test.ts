import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SqlState, sqlState } from "../../src/ledger/sql-client.js";
import { BACKENDS, startBackends, type TestBackend } from "./backends.js";

const started = startBackends();

describe.each(BACKENDS)("the %s SqlClient", (name) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await started(name);
  });
  afterEach(() => backend.cleanup());
  afterAll(() => backend.stop());

  it("queries with parameters, runs scripts, counts rows and reports SQLSTATE codes", async () => {
    const client = (await backend.database()).client();
    expect(client.kind).toBe(name);
    await client.exec("CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT NOT NULL); CREATE INDEX t_n ON t (n);");
    const inserted = await client.query("INSERT INTO t SELECT * FROM unnest($1::text[], $2::bigint[])", [
      ["a", "b"],
      [1, 2],
    ]);
    expect(inserted.rowCount).toBe(2);
    const rows = await client.query<{ id: string; n: unknown }>(
      "SELECT id, n FROM t WHERE n >= $1 ORDER BY id",
      [1],
    );
    expect(rows.rows.map((r) => [r.id, Number(r.n)])).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    const err = await client.query("INSERT INTO t VALUES ('a', 3)").catch((e: unknown) => e);
    expect(sqlState(err)).toBe(SqlState.UniqueViolation);
  });

  it("runs a statement prepared by name again and again, in and out of transactions, also after it failed", async () => {
    const client = (await backend.database()).client();
    await client.exec("CREATE TABLE p (id TEXT PRIMARY KEY, n BIGINT NOT NULL)");
    const insert = (id: string, n: number, on = client as Pick<typeof client, "query">) =>
      on.query("INSERT INTO p VALUES ($1, $2) RETURNING n", [id, n], { prepareAs: "test_insert_p" });
    for (let i = 0; i < 12; i++) expect(Number((await insert(`k${i}`, i)).rows[0]?.n)).toBe(i);
    expect(sqlState(await insert("k1", 99).catch((e: unknown) => e))).toBe(SqlState.UniqueViolation);
    const prepared = await client.transaction(async (tx) => {
      expect((await insert("t1", 100, tx)).rowCount).toBe(1);
      const named = await tx.query<{ name: string }>("SELECT name FROM pg_prepared_statements");
      return named.rows.map((r) => r.name);
    });
    // On a server the statement is prepared on the connection; PGlite runs it as a plain one.
    if (name === "postgres") expect(prepared).toContain("test_insert_p");
    const count = await client.query<{ n: unknown }>("SELECT count(*) AS n FROM p");
    expect(Number(count.rows[0]?.n)).toBe(13);
  });

  it("commits a transaction, rolls one back on error, and never interleaves two", async () => {
    const client = (await backend.database()).client();
    await client.exec("CREATE TABLE c (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
    await client.query("INSERT INTO c VALUES (1, 0)");
    await expect(
      client.transaction(async (tx) => {
        await tx.query("UPDATE c SET v = 99 WHERE id = 1");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect((await client.query<{ v: number }>("SELECT v FROM c")).rows[0]?.v).toBe(0);

    // Read-modify-write in 30 concurrent transactions: with FOR UPDATE on PostgreSQL and the mutex on
    // PGlite, no increment may be lost.
    await Promise.all(
      Array.from({ length: 30 }, () =>
        client.transaction(async (tx) => {
          const { rows } = await tx.query<{ v: number }>("SELECT v FROM c WHERE id = 1 FOR UPDATE");
          await new Promise((r) => setTimeout(r, 1));
          await tx.query("UPDATE c SET v = $1 WHERE id = 1", [(rows[0]?.v ?? 0) + 1]);
        }),
      ),
    );
    expect((await client.query<{ v: number }>("SELECT v FROM c")).rows[0]?.v).toBe(30);

    // A statement sent outside a transaction while it runs is not swept into its rollback.
    const doomed = client.transaction(async (tx) => {
      await tx.query("INSERT INTO c VALUES (2, 2)");
      await new Promise((r) => setTimeout(r, 20));
      throw new Error("roll back");
    });
    const outside = client.query("INSERT INTO c VALUES (3, 3)");
    await expect(doomed).rejects.toThrow("roll back");
    await outside;
    expect(
      (await client.query<{ id: number }>("SELECT id FROM c ORDER BY id")).rows.map((r) => r.id),
    ).toEqual([1, 3]);
  });

  it("leaves the event loop free while statements queue up", async () => {
    const client = (await backend.database()).client();
    let timerFired = false;
    setTimeout(() => {
      timerFired = true;
    }, 1);
    let loops = 0;
    while (!timerFired && loops < 5_000) {
      await client.query("SELECT 1");
      loops++;
    }
    expect(timerFired).toBe(true);
  });

  it("closes idempotently", async () => {
    const client = (await backend.database()).client();
    await Promise.all([client.close(), client.close()]);
    await client.close();
  });
});
