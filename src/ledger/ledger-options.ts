import { ErrorCode, SwitchyardError } from "../core/errors.js";
import { type Logger, silentLogger } from "../core/logger.js";
import type { GroupCommitOptions } from "./group-commit.js";
import type { SqlClientChoice } from "./open-client.js";

/** What the ledger reports to `observe`: a bounded set, fit for metric labels. */
export type LedgerOperation =
  | "create_account"
  | "create_key"
  | "list_keys"
  | "revoke_key"
  | "authenticate"
  | "hold"
  | "hold_batch"
  | "settle"
  | "settle_batch"
  | "reap"
  | "balance"
  | "transactions"
  | "grant"
  | "suspend"
  | "read"
  | "audit";

export interface LedgerObservation {
  operation: LedgerOperation;
  /** "ok", or the catalogue code of the error (driver failures are "internal"). */
  outcome: "ok" | ErrorCode;
  durationMs: number;
  /** For settle_batch and hold_batch: requests in the batch; for reap: holds refunded. */
  count?: number;
}

export interface LedgerOptions extends SqlClientChoice {
  logger?: Logger;
  /** Credits every new account starts with. Default 1000. */
  openingGrant?: number;
  /** How long a successful authentication is remembered, in ms; 0 turns the cache off. Default 5000. */
  authCacheTtlMs?: number;
  /** Group commit of settlements; `false` writes each settlement in its own transaction. Default on. */
  batching?: GroupCommitOptions | false;
  /**
   * Group commit of holds; `false` places each hold in its own statement. Default on, with no added
   * wait (maxDelayMs 0): holds that arrive in the same turn of the event loop, or while earlier batches
   * are being written, share a transaction.
   */
  holdBatching?: GroupCommitOptions | false;
  /** Apply pending migrations at open. Default true. */
  migrate?: boolean;
  /** Called after every operation, e.g. to feed a Prometheus histogram. Must not throw. */
  observe?: (observation: LedgerObservation) => void;
}

export interface CompiledLedgerOptions {
  logger: Logger;
  openingGrant: number;
  authCacheTtlMs: number;
  batching: GroupCommitOptions | false;
  holdBatching: GroupCommitOptions | false;
  migrate: boolean;
  observe: (observation: LedgerObservation) => void;
}

function nonNegativeInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SwitchyardError(ErrorCode.InvalidArgument, `${name} must be a non-negative integer`);
  }
  return value;
}

/** Fills in defaults and validates. Throws invalid_argument naming the bad option. */
export function compileLedgerOptions(options: LedgerOptions): CompiledLedgerOptions {
  return {
    logger: (options.logger ?? silentLogger()).child({ component: "ledger" }),
    openingGrant: nonNegativeInt(options.openingGrant ?? 1000, "openingGrant"),
    authCacheTtlMs: nonNegativeInt(options.authCacheTtlMs ?? 5_000, "authCacheTtlMs"),
    batching: options.batching ?? { maxDelayMs: 10, maxInFlight: 1, maxBatch: 256 },
    holdBatching: options.holdBatching ?? { maxDelayMs: 0, maxInFlight: 1, maxBatch: 256 },
    migrate: options.migrate ?? true,
    observe: options.observe ?? (() => {}),
  };
}
