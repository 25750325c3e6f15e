import { PGlite, type Transaction } from "@electric-sql/pglite";
import { Mutex } from "./mutex.js";
import type { QueryResult, SqlClient, SqlExecutor } from "./sql-client.js";

export interface PgliteClientOptions {
  /**
   * Directory that keeps the database, created when missing. Default `./data/ledger`.
   * `"memory://"` keeps everything in memory (lost on close).
   */
  dataDir?: string;
}

type Target = Pick<PGlite, "query" | "exec"> | Transaction;

function executor(target: Target): SqlExecutor {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const result = await target.query<T>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/**
 * A SqlClient over PGlite, PostgreSQL compiled to WebAssembly and run in this process. PGlite has one
 * connection, so every statement and every transaction takes a turn on one mutex: no caller's statement
 * can land inside another caller's transaction.
 */
export class PgliteClient implements SqlClient {
  readonly kind = "pglite";
  private readonly lock = new Mutex();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: PGlite,
    private readonly owned: boolean,
  ) {}

  /** Opens (creating when needed) the database in `options.dataDir`. */
  static async open(options: PgliteClientOptions = {}): Promise<PgliteClient> {
    const db = await PGlite.create({ dataDir: options.dataDir ?? "./data/ledger" });
    return new PgliteClient(db, true);
  }

  /**
   * Wraps an instance created elsewhere (tests load a prepared data directory this way). `owned`: close
   * the instance when the client closes. Default true.
   */
  static wrap(db: PGlite, owned = true): PgliteClient {
    return new PgliteClient(db, owned);
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return this.lock.run(() => executor(this.db).query<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.lock.run(() => executor(this.db).exec(sql));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.lock.run(() => this.db.transaction((tx) => fn(executor(tx))));
  }

  close(): Promise<void> {
    this.closing ??= this.lock.run(async () => {
      if (this.owned && !this.db.closed) await this.db.close();
    });
    return this.closing;
  }
}
