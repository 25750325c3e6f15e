import { toInt } from "./money.js";
import type { SqlExecutor } from "./sql-client.js";
import type { ConservationAudit, JobImbalance } from "./types.js";

/** Sum of every grant: all credits ever created. */
export async function selectMinted(db: SqlExecutor): Promise<number> {
  const result = await db.query<{ minted: unknown }>(
    "SELECT COALESCE(SUM(amount), 0) AS minted FROM transactions WHERE kind = 'grant'",
  );
  return toInt(result.rows[0]?.minted);
}

/**
 * Checks sum(balances) + sum(open holds) = minted, all read in one statement (one snapshot), so it
 * holds even while other transactions run.
 */
export async function selectConservation(db: SqlExecutor): Promise<ConservationAudit> {
  const result = await db.query<Record<"minted" | "balances" | "open_holds", unknown>>(
    `SELECT (SELECT COALESCE(SUM(amount), 0) FROM transactions WHERE kind = 'grant') AS minted,
            (SELECT COALESCE(SUM(balance), 0) FROM accounts) AS balances,
            (SELECT COALESCE(SUM(amount), 0) FROM holds) AS open_holds`,
  );
  const row = result.rows[0];
  const minted = toInt(row?.minted);
  const balances = toInt(row?.balances);
  const openHolds = toInt(row?.open_holds);
  return { minted, balances, openHolds, ok: balances + openHolds === minted };
}

/**
 * Jobs whose transactions do not net out: a settled job's charge, rewards and refund must sum to zero,
 * and an open job's to minus its hold. Empty when the ledger is consistent.
 */
export async function selectJobImbalances(db: SqlExecutor, limit = 100): Promise<JobImbalance[]> {
  const result = await db.query<{ job_id: string; total: unknown; open_hold: unknown }>(
    `SELECT t.job_id, SUM(t.amount) AS total, COALESCE(MAX(h.amount), 0) AS open_hold
       FROM transactions t LEFT JOIN holds h ON h.job_id = t.job_id
      WHERE t.job_id IS NOT NULL
      GROUP BY t.job_id
     HAVING SUM(t.amount) + COALESCE(MAX(h.amount), 0) <> 0
      LIMIT $1`,
    [limit],
  );
  return result.rows.map((r) => ({ jobId: r.job_id, sum: toInt(r.total), openHold: toInt(r.open_hold) }));
}

/** Accounts whose balance differs from the sum of their transactions. Empty when consistent. */
export async function selectAccountImbalances(
  db: SqlExecutor,
  limit = 100,
): Promise<Array<{ accountId: string; balance: number; journal: number }>> {
  const result = await db.query<{ id: string; balance: unknown; journal: unknown }>(
    `SELECT a.id, a.balance, COALESCE(t.total, 0) AS journal
       FROM accounts a
       LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM transactions GROUP BY account_id) t
              ON t.account_id = a.id
      WHERE a.balance <> COALESCE(t.total, 0)
      LIMIT $1`,
    [limit],
  );
  return result.rows.map((r) => ({ accountId: r.id, balance: toInt(r.balance), journal: toInt(r.journal) }));
}
