import { ErrorCode, invalidArgument, SwitchyardError } from "../core/errors.js";
import { toInt, toMs } from "./money.js";
import type { SqlExecutor } from "./sql-client.js";
import type { BalanceSummary, TransactionKind, TransactionPage } from "./types.js";

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** Balance, open holds, rewards earned and net spending of one account. Throws not_found. */
export async function selectBalance(db: SqlExecutor, accountId: string): Promise<BalanceSummary> {
  const result = await db.query<Record<"balance" | "held" | "earned" | "spent", unknown>>(
    `SELECT a.balance,
            (SELECT COALESCE(SUM(h.amount), 0) FROM holds h WHERE h.account_id = a.id) AS held,
            (SELECT COALESCE(SUM(t.amount), 0) FROM transactions t
              WHERE t.account_id = a.id AND t.kind = 'reward') AS earned,
            (SELECT COALESCE(-SUM(t.amount), 0) FROM transactions t
              WHERE t.account_id = a.id AND t.kind IN ('charge', 'refund')) AS spent
       FROM accounts a WHERE a.id = $1`,
    [accountId],
  );
  const row = result.rows[0];
  if (!row) throw new SwitchyardError(ErrorCode.NotFound, "no such account", { param: "account_id" });
  return {
    balance: toInt(row.balance),
    held: toInt(row.held),
    earned: toInt(row.earned),
    spent: toInt(row.spent),
  };
}

/** The cursor is the id of the last row served, opaque to clients. */
export function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ v: 1, id }), "utf8").toString("base64url");
}

/** Throws invalid_argument for a cursor this ledger did not make. */
export function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as {
      v?: unknown;
      id?: unknown;
    };
    if (parsed.v === 1 && typeof parsed.id === "string" && /^[1-9][0-9]{0,18}$/.test(parsed.id))
      return parsed.id;
  } catch {
    // fall through
  }
  throw invalidArgument("cursor is not valid", "cursor");
}

/**
 * One page of the account's transactions, newest first. Ids grow with every insert, so the page after
 * a cursor is every older row: rows added while a client pages appear on a new first page and never
 * shift, repeat or hide the rows of later pages. Throws invalid_argument for a bad limit or cursor.
 * An unknown account has no transactions (an empty page).
 */
export async function selectTransactions(
  db: SqlExecutor,
  accountId: string,
  options: { limit?: number; cursor?: string | null } = {},
): Promise<TransactionPage> {
  const limit = options.limit ?? DEFAULT_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw invalidArgument(`limit must be an integer from 1 to ${MAX_PAGE}`, "limit");
  }
  const before = options.cursor ? decodeCursor(options.cursor) : null;
  const result = await db.query<{
    id: unknown;
    kind: TransactionKind;
    amount: unknown;
    job_id: string | null;
    note: string;
    created_at: unknown;
  }>(
    `SELECT t.id::text AS id, t.kind, t.amount, t.job_id, t.note, t.created_at
       FROM transactions t
      WHERE t.account_id = $1 AND ($2::bigint IS NULL OR t.id < $2::bigint)
      ORDER BY t.id DESC
      LIMIT $3`,
    [accountId, before, limit + 1],
  );
  const rows = result.rows.slice(0, limit);
  const items = rows.map((r) => ({
    id: String(r.id),
    kind: r.kind,
    amount: toInt(r.amount),
    jobId: r.job_id,
    note: r.note,
    createdAt: toMs(r.created_at),
  }));
  const last = items[items.length - 1];
  return { items, nextCursor: result.rows.length > limit && last ? encodeCursor(last.id) : null };
}
