import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../src/ledger/ledger.js";
import { migrate } from "../../src/ledger/migrate.js";
import { PgClient } from "../../src/ledger/pg-client.js";
import { BACKENDS, capturingLogger, startBackends, type TestBackend } from "./backends.js";

const started = startBackends();

const TABLES = [
  "accounts",
  "api_keys",
  "holds",
  "jobs",
  "nodes",
  "routing_config_versions",
  "routing_state",
  "schema_migrations",
  "transactions",
];
/** Every migration shipped in src/ledger/migrations. */
const SHIPPED = [1, 2, 3, 4, 5, 6];

describe.each(BACKENDS)("migrations on %s", (name) => {
  let backend: TestBackend;
  const dirs: string[] = [];
  beforeAll(async () => {
    backend = await started(name);
  });
  afterEach(() => backend.cleanup());
  afterAll(async () => {
    await backend.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("creates every table once; running again is a no-op", async () => {
    const db = await backend.database({ empty: true });
    const client = db.client();
    const first = await migrate(client);
    expect(first).toEqual(SHIPPED);
    expect(await migrate(client)).toEqual([]);
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(TABLES);
    const recorded = await client.query<{ version: number }>("SELECT version FROM schema_migrations");
    expect(recorded.rows.map((r) => Number(r.version)).sort()).toEqual(SHIPPED);
  });

  it("applies a new migration after the old ones and rolls back one that fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sy-migrations-"));
    dirs.push(dir);
    const client = (await backend.database()).client();
    await migrate(client);
    writeFileSync(join(dir, "001_ledger.sql"), "-- stands in for the applied one\n");
    writeFileSync(join(dir, "002_notes.sql"), "CREATE TABLE notes (id INTEGER PRIMARY KEY);");
    writeFileSync(join(dir, "009_broken.sql"), "CREATE TABLE broken (id INTEGER); SELECT nope FROM nowhere;");
    writeFileSync(join(dir, "README.txt"), "not a migration");
    const { logger, text } = capturingLogger();
    await expect(migrate(client, { directory: dir, logger })).rejects.toThrow(/nowhere/);
    expect(text()).toContain("has changed since it ran");
    const versions = await client.query<{ version: number }>(
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    expect(versions.rows.map((r) => Number(r.version))).toEqual(SHIPPED);
    const broken = await client.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'broken'");
    expect(broken.rows).toEqual([]);
  });

  it.runIf(name === "postgres")("two processes migrating one database at once both succeed", async () => {
    const db = await backend.database({ empty: true });
    const one = new PgClient({ connectionString: db.url as string });
    const two = new PgClient({ connectionString: db.url as string });
    backend.track(one);
    backend.track(two);
    const [a, b] = await Promise.all([migrate(one), migrate(two)]);
    expect([...a, ...b].sort()).toEqual(SHIPPED);
    const ledger = await backend.trackLedger(Ledger.open({ databaseUrl: db.url as string }));
    const { accountId } = await ledger.createAccount({ name: "after" });
    expect((await ledger.balance(accountId)).balance).toBe(1000);
  });

  it.runIf(name === "pglite")("keeps its data in the data directory across restarts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sy-pglite-"));
    dirs.push(dir);
    const dataDir = join(dir, "data", "ledger");
    const first = await Ledger.open({ pgliteDataDir: dataDir });
    const { accountId } = await first.createAccount({ name: "durable" });
    await first.grant(accountId, 5, "kept");
    await first.close();
    const second = await Ledger.open({ pgliteDataDir: dataDir });
    try {
      expect(second.backend).toBe("pglite");
      expect((await second.balance(accountId)).balance).toBe(1005);
    } finally {
      await second.close();
    }
  });
});
