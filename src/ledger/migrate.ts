import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Logger } from "../core/logger.js";
import type { SqlClient } from "./sql-client.js";

/** Key of the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK_KEY = 7_290_105_342;
const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  /** Directory of `NNN_name.sql` files. Default: the ledger's own migrations/. */
  directory?: string;
  logger?: Logger;
}

/** Reads `NNN_name.sql` files in version order. Throws when two files share a version. */
export async function loadMigrations(directory: string): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await readdir(directory)).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) continue;
    const sql = await readFile(`${directory}/${file}`, "utf8");
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) {
      throw new Error(`two ledger migrations have version ${version}`);
    }
    migrations.push({
      version,
      name: match[2] ?? file,
      sql,
      checksum: createHash("sha256").update(sql).digest("hex"),
    });
  }
  return migrations;
}

/**
 * Brings the schema up to date: applies every migration not yet recorded in `schema_migrations`, in
 * version order, each in its own transaction. Safe to run at every start and from several processes at
 * once: each transaction first takes a transaction-scoped advisory lock, so a second process waits and
 * then finds the migration recorded. Returns the versions this call applied. Rejects with the database
 * error when a migration fails (that migration is rolled back; earlier ones stay).
 */
export async function migrate(client: SqlClient, options: MigrateOptions = {}): Promise<number[]> {
  const directory = options.directory ?? fileURLToPath(new URL("./migrations", import.meta.url));
  const migrations = await loadMigrations(directory);
  const applied: number[] = [];
  for (const migration of migrations) {
    const ran = await client.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      await tx.exec(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version INTEGER PRIMARY KEY,
           name TEXT NOT NULL,
           checksum TEXT NOT NULL,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )`,
      );
      const found = await tx.query<{ checksum: string }>(
        "SELECT checksum FROM schema_migrations WHERE version = $1",
        [migration.version],
      );
      const existing = found.rows[0];
      if (existing) {
        if (existing.checksum !== migration.checksum) {
          options.logger?.warn(
            { version: migration.version, name: migration.name },
            "an applied ledger migration has changed since it ran; add a new migration instead",
          );
        }
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
    if (ran) {
      applied.push(migration.version);
      options.logger?.info({ version: migration.version, name: migration.name }, "ledger migration applied");
    }
  }
  return applied;
}
