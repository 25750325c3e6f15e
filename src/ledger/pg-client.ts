import pg from "pg";
import type { QueryOptions, QueryResult, SqlClient, SqlExecutor } from "./sql-client.js";

export interface PgClientOptions {
  /** PostgreSQL connection string (DATABASE_URL). */
  connectionString: string;
  /** Largest number of pooled connections. Default 10. */
  maxConnections?: number;
}

function executor(target: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query<T>(
      sql: string,
      params: readonly unknown[] = [],
      options: QueryOptions = {},
    ): Promise<QueryResult<T>> {
      const values = params as unknown[];
      const result = await (options.prepareAs
        ? target.query({ name: options.prepareAs, text: sql, values })
        : target.query(sql, values));
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      // Without parameters pg uses the simple protocol, which accepts several statements.
      await target.query(sql);
    },
  };
}

/**
 * A pg client that never lets a connection-level 'error' event go unheard: pg emits them on sockets
 * that die (server restart, failover, a terminated backend), sometimes twice, sometimes while the pool
 * is still connecting it, and an unheard one would crash the process. The pool and the calls in flight
 * still see the error through their own listeners and callbacks.
 */
class GuardedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on("error", () => {});
  }
}

/** A SqlClient over a `pg` connection pool. */
export class PgClient implements SqlClient {
  readonly kind = "postgres";
  private readonly pool: pg.Pool;
  private closing: Promise<void> | undefined;

  constructor(options: PgClientOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      Client: GuardedClient,
    });
    // An idle pooled connection that dies (server restart) must not crash the process.
    this.pool.on("error", () => {});
  }

  query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<T>> {
    return this.withConnection((conn) => executor(conn).query<T>(sql, params, options));
  }

  exec(sql: string): Promise<void> {
    return this.withConnection((conn) => executor(conn).exec(sql));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withConnection(async (conn, lose) => {
      await conn.query("BEGIN");
      try {
        const result = await fn(executor(conn));
        await conn.query("COMMIT");
        return result;
      } catch (err) {
        try {
          await conn.query("ROLLBACK");
        } catch (rollbackError) {
          // A connection whose rollback failed is in an unknown state: it must not be reused.
          lose(rollbackError);
        }
        throw err;
      }
    });
  }

  /**
   * Runs `fn` on a connection of its own. A connection that dies while checked out (server restart,
   * failover, a terminated backend) emits 'error', possibly more than once: the listener stays on it so
   * no such event can crash the process, and the connection is destroyed instead of reused.
   */
  private async withConnection<T>(
    fn: (conn: pg.PoolClient, lose: (reason: unknown) => void) => Promise<T>,
  ): Promise<T> {
    const conn = await this.pool.connect();
    let broken: unknown;
    const lose = (reason: unknown): void => {
      broken ??= reason;
    };
    conn.on("error", lose);
    try {
      return await fn(conn, lose);
    } finally {
      if (broken === undefined) conn.off("error", lose);
      conn.release(broken === undefined ? undefined : (broken as Error));
    }
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}
