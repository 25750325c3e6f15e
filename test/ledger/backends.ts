import { createHash } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { pino } from "pino";
import type { Logger } from "../../src/core/logger.js";
import { Ledger, type LedgerOptions } from "../../src/ledger/ledger.js";
import { loadMigrations, migrate } from "../../src/ledger/migrate.js";
import { PgClient } from "../../src/ledger/pg-client.js";
import { PgliteClient } from "../../src/ledger/pglite-client.js";
import type { SqlClient } from "../../src/ledger/sql-client.js";
import { PostgresServer, postgresAvailable } from "../helpers/postgres.js";

/**
 * The two ledger back-ends for `describe.each`. PostgreSQL: a private server per test file and a fresh
 * database per test. PGlite: one in-memory instance per test file, loaded from a data directory prepared
 * once (a cold start runs initdb and takes seconds), and a fresh schema per test, made the only one on
 * the search path, so each test migrates and sees its own empty tables.
 */

export type BackendName = "postgres" | "pglite";

/** PostgreSQL where its binaries are installed (always under CI=true), PGlite always. */
export const BACKENDS: BackendName[] = postgresAvailable() ? ["postgres", "pglite"] : ["pglite"];

const PG_TEMPLATE = "ledger_template";

/**
 * Starts both back-ends at once, at import time of a test file, so their start-up overlaps; each
 * `describe` then awaits its own. Rejections surface where they are awaited.
 */
export function startBackends(): (name: BackendName) => Promise<TestBackend> {
  const started = new Map(BACKENDS.map((name) => [name, TestBackend.start(name)] as const));
  for (const promise of started.values()) promise.catch(() => {});
  return (name) => started.get(name) ?? TestBackend.start(name);
}

export type TestLedgerOptions = Omit<LedgerOptions, "client" | "databaseUrl" | "pgliteDataDir">;

/** One fresh database; every client and ledger made from it sees the same data. */
export class TestDatabase {
  constructor(
    private readonly backend: TestBackend,
    /** PostgreSQL URL; undefined on PGlite. */
    readonly url: string | undefined,
    /** On PGlite: the file's one instance, already switched to this test's schema. */
    private readonly pglite?: PGlite,
  ) {}

  /** A client of this database: a new pool on PostgreSQL, a new handle on the file's PGlite. */
  client(): SqlClient {
    if (this.pglite) return this.backend.track(PgliteClient.wrap(this.pglite, false));
    return this.backend.track(new PgClient({ connectionString: this.url as string, maxConnections: 20 }));
  }

  /** A ledger over a new client of this database; batching is off unless asked for. */
  ledger(options: TestLedgerOptions = {}): Promise<Ledger> {
    return this.backend.trackLedger(Ledger.open({ batching: false, ...options, client: this.client() }));
  }
}

export class TestBackend {
  private clients = new Set<SqlClient>();
  private ledgers: Ledger[] = [];
  private schemas = 0;
  private schemaInUse = false;

  private constructor(
    readonly name: BackendName,
    private readonly server: PostgresServer | undefined,
    private readonly pglite: PGlite | undefined,
  ) {}

  static async start(name: BackendName): Promise<TestBackend> {
    if (name === "pglite") {
      return new TestBackend(name, undefined, await PGlite.create({ loadDataDir: await pgliteTemplate() }));
    }
    const server = await PostgresServer.start();
    try {
      const client = new PgClient({ connectionString: await server.createDatabase({ name: PG_TEMPLATE }) });
      await migrate(client).finally(() => client.close());
    } catch (err) {
      await server.stop();
      throw err;
    }
    return new TestBackend(name, server, undefined);
  }

  /**
   * A new database. On PostgreSQL a copy of a migrated template, or empty when `empty` is set; on
   * PGlite always an empty schema (a ledger opened on it migrates it), one per test at a time.
   */
  async database(options: { empty?: boolean } = {}): Promise<TestDatabase> {
    if (this.server) {
      const url = await this.server.createDatabase(options.empty ? {} : { template: PG_TEMPLATE });
      return new TestDatabase(this, url);
    }
    const db = this.pglite as PGlite;
    if (this.schemaInUse)
      throw new Error("PGlite test databases are schemas: one per test, cleaned up after it");
    this.schemaInUse = true;
    const schema = `t_${++this.schemas}`;
    const client = PgliteClient.wrap(db, false);
    await client.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
    return new TestDatabase(this, undefined, db);
  }

  /** A fresh database with one ledger on it. */
  async ledger(options: TestLedgerOptions = {}): Promise<Ledger> {
    return (await this.database()).ledger(options);
  }

  track(client: SqlClient): SqlClient {
    this.clients.add(client);
    return client;
  }

  async trackLedger(opening: Promise<Ledger>): Promise<Ledger> {
    const ledger = await opening;
    this.ledgers.push(ledger);
    return ledger;
  }

  /** Closes every ledger and client made since the last cleanup (call in afterEach). */
  async cleanup(): Promise<void> {
    const ledgers = this.ledgers.splice(0);
    const clients = [...this.clients];
    this.clients.clear();
    await Promise.all(ledgers.map((l) => l.close()));
    await Promise.all(clients.map((c) => c.close()));
    if (this.schemaInUse && this.pglite)
      await PgliteClient.wrap(this.pglite, false).exec("SET search_path TO public");
    this.schemaInUse = false;
  }

  async stop(): Promise<void> {
    await this.cleanup();
    await (this.pglite ? PgliteClient.wrap(this.pglite, true).close() : undefined);
    await this.server?.stop();
  }
}

/**
 * A migrated PGlite data directory as a tarball. Built once and kept in the temp directory under a
 * name derived from the migrations, so test files running in parallel share it.
 */
async function pgliteTemplate(): Promise<Blob> {
  const migrations = await loadMigrations(
    fileURLToPath(new URL("../../src/ledger/migrations", import.meta.url)),
  );
  const digest = createHash("sha256");
  // A data directory is only valid for the PGlite build that wrote it.
  const pglitePackage = new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url);
  digest.update(await readFile(pglitePackage).catch(() => Buffer.from(String(Date.now()))));
  for (const m of migrations) digest.update(`${m.version}:${m.checksum};`);
  const file = join(tmpdir(), `switchyard-ledger-pglite-${digest.digest("hex").slice(0, 16)}.tar`);
  try {
    return new Blob([await readFile(file)]);
  } catch {
    const db = await PGlite.create();
    await migrate(PgliteClient.wrap(db, false));
    const template = await db.dumpDataDir("none");
    await db.close();
    const partial = `${file}.${process.pid}.tmp`;
    await writeFile(partial, Buffer.from(await template.arrayBuffer()));
    await rename(partial, file);
    return template;
  }
}

/** A trace-level logger whose output is kept in memory, for tests that search the log. */
export function capturingLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  return { logger: pino({ level: "trace" }, sink), text: () => chunks.join("") };
}
