import pg from "pg";
import type { QueryResult, SqlClient, SqlExecutor } from "./sql-client.js";

export interface PgClientOptions {
  /** PostgreSQL connection string (DATABASE_URL). */
  connectionString: string;
  /** Largest number of pooled connections. Default 10. */
  maxConnections?: number;
}

function executor(target: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const result = await target.query(sql, params as unknown[]);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      // Without parameters pg uses the simple protocol, which accepts several statements.
      await target.query(sql);
    },
  };
}

/** A SqlClient over a `pg` connection pool. */
export class PgClient implements SqlClient {
  readonly kind = "postgres";
  private readonly pool: pg.Pool;
  private readonly direct: SqlExecutor;
  private closing: Promise<void> | undefined;

  constructor(options: PgClientOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
    });
    // An idle pooled connection that dies (server restart) must not crash the process.
    this.pool.on("error", () => {});
    this.direct = executor(this.pool);
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return this.direct.query<T>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.direct.exec(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const conn = await this.pool.connect();
    let broken: unknown;
    try {
      await conn.query("BEGIN");
      const result = await fn(executor(conn));
      await conn.query("COMMIT");
      return result;
    } catch (err) {
      try {
        await conn.query("ROLLBACK");
      } catch (rollbackError) {
        broken = rollbackError;
      }
      throw err;
    } finally {
      // A connection whose rollback failed is in an unknown state: destroy it instead of reusing it.
      conn.release(broken === undefined ? undefined : (broken as Error));
    }
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}
