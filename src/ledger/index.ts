export { GroupCommit, type GroupCommitOptions } from "./group-commit.js";
export { Ledger } from "./ledger.js";
export type { LedgerObservation, LedgerOperation, LedgerOptions } from "./ledger-options.js";
export { type MigrateOptions, migrate } from "./migrate.js";
export { PgClient, type PgClientOptions } from "./pg-client.js";
export { PgliteClient, type PgliteClientOptions } from "./pglite-client.js";
export type { JobRecord, NodeTotals } from "./records.js";
export type { QueryResult, SqlClient, SqlExecutor } from "./sql-client.js";
export type * from "./types.js";
