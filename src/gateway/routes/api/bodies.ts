import type {
  ApiKeyEntry,
  Balance,
  JobOutcome,
  NewAccount,
  TransactionEntry,
  TransactionPage,
} from "../../../client/types.js";

/*
 * Response bodies of the native API: the backend's values in snake_case JSON, times as ISO 8601.
 * Every field is copied by name, so nothing the backend adds later leaks out unnoticed.
 */

/** The answer to `POST /api/v1/jobs` (and the `result` event of its stream). */
export interface JobBody {
  job_id: string;
  status: "succeeded";
  /** The merged output. */
  result: string;
  /** Credits charged. */
  cost: number;
  chunks: number;
  /** The node that served each chunk, by chunk index. */
  nodes: string[];
  duration_ms: number;
}

/** The answer to the seed system's `POST /api/v1/request`. */
export interface SeedJobBody {
  task_id: string;
  status: "completed";
  result: string;
  cost: number;
  /** The node that served the first chunk; null if the router named none. */
  node_id: string | null;
  processing_time_ms: number;
}

/** A new account; its key is shown this once. */
export interface AccountBody {
  account_id: string;
  api_key: string;
  balance: number;
}

/** The answer to `GET /api/v1/balance`. */
export interface BalanceBody {
  balance: number;
  held: number;
  earned: number;
  spent: number;
}

/** One ledger transaction, as listed by `GET /api/v1/transactions`. */
export interface TransactionBody {
  id: string;
  kind: string;
  amount: number;
  /** The job the transaction belongs to; null for grants. */
  job_id: string | null;
  note: string;
  created_at: string;
}

/** One page of transactions, newest first. */
export interface TransactionPageBody {
  transactions: TransactionBody[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}

/** A new key; shown this once. */
export interface NewKeyBody {
  key_id: string;
  api_key: string;
}

/** One key of the caller's account, without its secret. */
export interface KeyBody {
  key_id: string;
  label: string;
  prefix: string;
  role: string;
  created_at: string;
  revoked: boolean;
}

/** A time in ms since the epoch as ISO 8601 (UTC). */
export function isoTime(unixMs: number): string {
  return new Date(unixMs).toISOString();
}

/** The body for a finished job. */
export function toJobBody(outcome: JobOutcome): JobBody {
  return {
    job_id: outcome.jobId,
    status: "succeeded",
    result: outcome.output,
    cost: outcome.cost,
    chunks: outcome.chunks,
    nodes: [...outcome.nodeIds],
    duration_ms: outcome.durationMs,
  };
}

/** The body for a finished job, in the seed system's shape. */
export function toSeedJobBody(outcome: JobOutcome): SeedJobBody {
  return {
    task_id: outcome.jobId,
    status: "completed",
    result: outcome.output,
    cost: outcome.cost,
    node_id: outcome.nodeIds[0] ?? null,
    processing_time_ms: outcome.durationMs,
  };
}

/** The body for a new account. */
export function toAccountBody(account: NewAccount): AccountBody {
  return { account_id: account.accountId, api_key: account.apiKey, balance: account.balance };
}

/** The body for a balance. */
export function toBalanceBody(balance: Balance): BalanceBody {
  return { balance: balance.balance, held: balance.held, earned: balance.earned, spent: balance.spent };
}

/** One transaction; a missing job id becomes null. */
export function toTransactionBody(t: TransactionEntry): TransactionBody {
  return {
    id: t.id,
    kind: t.kind,
    amount: t.amount,
    job_id: t.jobId === "" ? null : t.jobId,
    note: t.note,
    created_at: isoTime(t.createdUnixMs),
  };
}

/** A page of transactions; the empty cursor of the last page becomes null. */
export function toTransactionPageBody(page: TransactionPage): TransactionPageBody {
  return {
    transactions: page.transactions.map(toTransactionBody),
    next_cursor: page.nextCursor === "" ? null : page.nextCursor,
  };
}

/** The body for a new key. */
export function toNewKeyBody(key: { keyId: string; apiKey: string }): NewKeyBody {
  return { key_id: key.keyId, api_key: key.apiKey };
}

/** The body for `GET /api/v1/keys`. */
export function toKeyListBody(keys: readonly ApiKeyEntry[]): { keys: KeyBody[] } {
  return {
    keys: keys.map((k) => ({
      key_id: k.keyId,
      label: k.label,
      prefix: k.prefix,
      role: k.role,
      created_at: isoTime(k.createdUnixMs),
      revoked: k.revoked,
    })),
  };
}
