/**
 * The small SQL surface the ledger needs, with one implementation over a `pg` pool and one over PGlite.
 * The ledger writes the same SQL for both: numbered parameters ($1, $2 …), PostgreSQL dialect.
 */

/** Runs statements: a whole client, or one transaction of it. */
export interface SqlExecutor {
  /** One statement with numbered parameters. Rejects with the driver's error (it has a SQLSTATE `code`). */
  query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<T>>;
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface QueryOptions {
  /**
   * Names a statement that runs often (one name per SQL text, never reused for another): on a server,
   * each connection parses and plans it once and keeps it as a prepared statement, then only binds and
   * runs it. Planning the hold's statement cost the server more than running it. PGlite ignores it.
   */
  prepareAs?: string;
}

export interface QueryResult<T> {
  rows: T[];
  /** Rows inserted, updated or deleted by the statement. */
  rowCount: number;
}

export interface SqlClient extends SqlExecutor {
  /** "postgres" for a server, "pglite" for the embedded engine. */
  readonly kind: "postgres" | "pglite";
  /**
   * Runs `fn` in one transaction (READ COMMITTED): commits when it resolves, rolls back when it rejects
   * and rejects with the same error. Statements inside must go through `tx`, never through the client:
   * on PGlite the client waits for the transaction to end, so using it inside would never finish.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Releases the connections; idempotent. */
  close(): Promise<void>;
}

/** SQLSTATE codes the ledger reacts to. */
export const SqlState = {
  UniqueViolation: "23505",
  ForeignKeyViolation: "23503",
  CheckViolation: "23514",
  SerializationFailure: "40001",
  DeadlockDetected: "40P01",
} as const;

/** The SQLSTATE of a driver error, if it has one. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True for errors after which the same transaction may simply be run again. */
export function isRetryable(err: unknown): boolean {
  const code = sqlState(err);
  return code === SqlState.DeadlockDetected || code === SqlState.SerializationFailure;
}
