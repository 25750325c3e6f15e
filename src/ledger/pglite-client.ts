import { mkdir } from "node:fs/promises";
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
 * PGlite runs in this thread and can answer a query without touching the event loop; waiting for the
 * next turn before each statement keeps a stream of queued queries from starving timers and sockets.
 */
const LOCKS = new WeakMap<PGlite, Mutex>();

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A SqlClient over PGlite, PostgreSQL compiled to WebAssembly and run in this process. PGlite has one
 * connection, so every statement and every transaction takes a turn on one mutex: no caller's statement
 * can land inside another caller's transaction.
 */
export class PgliteClient implements SqlClient {
  readonly kind = "pglite";
  private readonly lock: Mutex;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: PGlite,
    private readonly owned: boolean,
  ) {
    // Every client over one instance shares its lock.
    let lock = LOCKS.get(db);
    if (!lock) {
      lock = new Mutex();
      LOCKS.set(db, lock);
    }
    this.lock = lock;
  }

  /** Opens (creating when needed) the database in `options.dataDir`. */
  static async open(options: PgliteClientOptions = {}): Promise<PgliteClient> {
    const dataDir = options.dataDir ?? "./data/ledger";
    // PGlite creates the directory itself but not its parents (./data on a fresh checkout).
    const onDisk = !/^[a-z0-9-]+:\/\//.test(dataDir) || dataDir.startsWith("file://");
    if (onDisk) await mkdir(dataDir.replace(/^file:\/\//, ""), { recursive: true });
    const db = await PGlite.create({ dataDir });
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
    return this.lock.run(async () => {
      await this.nextTurn();
      return executor(this.db).query<T>(sql, params);
    });
  }

  exec(sql: string): Promise<void> {
    return this.lock.run(async () => {
      await this.nextTurn();
      await executor(this.db).exec(sql);
    });
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      await this.nextTurn();
      return this.db.transaction((tx) => fn(executor(tx)));
    });
  }

  /** Waits for the next event-loop turn; rejects once this client is closed. */
  private async nextTurn(): Promise<void> {
    if (this.closing) throw new Error("the PGlite client is closed");
    await nextTurn();
  }

  close(): Promise<void> {
    this.closing ??= this.lock.run(async () => {
      if (this.owned && !this.db.closed) await this.db.close();
    });
    return this.closing;
  }
}
