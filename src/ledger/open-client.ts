import { PgClient } from "./pg-client.js";
import { PgliteClient } from "./pglite-client.js";
import type { SqlClient } from "./sql-client.js";

export interface SqlClientChoice {
  /** Use this client; the caller keeps ownership and closes it. */
  client?: SqlClient;
  /** PostgreSQL connection string (DATABASE_URL). */
  databaseUrl?: string;
  /** PGlite data directory when no databaseUrl is given. Default `./data/ledger`; `memory://` in memory. */
  pgliteDataDir?: string;
  /** Pool size for PostgreSQL. Default 10. */
  maxConnections?: number;
}

/** Picks the back-end once: a given client, else PostgreSQL when a URL is set, else PGlite. */
export async function openSqlClient(choice: SqlClientChoice): Promise<{ client: SqlClient; owned: boolean }> {
  if (choice.client) return { client: choice.client, owned: false };
  if (choice.databaseUrl) {
    const options =
      choice.maxConnections === undefined
        ? { connectionString: choice.databaseUrl }
        : { connectionString: choice.databaseUrl, maxConnections: choice.maxConnections };
    return { client: new PgClient(options), owned: true };
  }
  const client = await PgliteClient.open(
    choice.pgliteDataDir === undefined ? {} : { dataDir: choice.pgliteDataDir },
  );
  return { client, owned: true };
}
