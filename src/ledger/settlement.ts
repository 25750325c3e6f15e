import { ErrorCode, invalidArgument, SwitchyardError } from "../core/errors.js";
import { requirePositiveInt, requireText, toInt } from "./money.js";
import { type SqlExecutor, SqlState, sqlState } from "./sql-client.js";
import type { SettleRequest, SettleResult } from "./types.js";

/**
 * Set-based settlement: any number of jobs in one statement (settle_jobs, migration 003). Exactly-once
 * comes from deleting the hold row: a job whose hold is already gone (settled, or refunded by the
 * reaper) is left alone, and two statements that race for one hold serialise on its row lock, so the
 * second finds nothing to delete.
 */

const OUTCOMES = new Set(["succeeded", "failed", "cancelled", "deadline"]);

/** Throws invalid_argument unless the request is well formed (checked before any database work). */
export function validateSettleRequest(req: SettleRequest): void {
  requireText(req.jobId, "job_id");
  if (!OUTCOMES.has(req.outcome)) {
    throw invalidArgument("outcome must be succeeded, failed, cancelled or deadline", "outcome");
  }
  if (req.durationMs !== undefined && (!Number.isFinite(req.durationMs) || req.durationMs < 0)) {
    throw invalidArgument("duration_ms must be a non-negative number", "duration_ms");
  }
  if (req.rewards !== undefined && !Array.isArray(req.rewards)) {
    throw invalidArgument("rewards must be a list", "rewards");
  }
  for (const reward of req.rewards ?? []) {
    requireText(reward.operatorAccountId, "rewards.operator_account_id");
    requireText(reward.nodeName, "rewards.node_name");
    requirePositiveInt(reward.amount, "rewards.amount");
    if (reward.tasks !== undefined) requirePositiveInt(reward.tasks, "rewards.tasks");
  }
}

interface SettleRow {
  was_settled: boolean;
  refund: unknown;
  reward: unknown;
  job_known: boolean;
}

/** Raised by settle_jobs (migration 003) when a job's rewards exceed its hold. */
const REWARDS_EXCEED_HOLD = "SY001";

const NOTHING: SettleResult = { settled: false, refunded: 0, rewarded: 0 };

/**
 * Settles validated requests in one statement (the settle_jobs function). Returns one entry per
 * request, in order: a result, or a not_found error for a job that never had a hold. A job named twice
 * is settled once; the later request gets `settled: false`. Throws invalid_argument, and nothing at all
 * is written, when any job's rewards exceed its hold or name an unknown operator account.
 */
export async function settleJobs(
  db: SqlExecutor,
  requests: readonly SettleRequest[],
): Promise<Array<SettleResult | SwitchyardError>> {
  const firsts = new Map<string, SettleRequest>();
  for (const req of requests) if (!firsts.has(req.jobId)) firsts.set(req.jobId, req);
  const unique = [...firsts.values()];
  const rewards = unique.flatMap((req) =>
    (req.rewards ?? []).map((reward) => ({ jobId: req.jobId, reward })),
  );
  let rows: SettleRow[];
  try {
    const result = await db.query<SettleRow>(
      "SELECT was_settled, refund, reward, job_known FROM settle_jobs($1, $2, $3, $4, $5, $6, $7, $8)",
      [
        unique.map((r) => r.jobId),
        unique.map((r) => r.outcome),
        unique.map((r) => (r.durationMs === undefined ? null : Math.round(r.durationMs))),
        rewards.map((r) => r.jobId),
        rewards.map((r) => r.reward.operatorAccountId),
        rewards.map((r) => r.reward.nodeName),
        rewards.map((r) => r.reward.amount),
        rewards.map((r) => r.reward.tasks ?? 1),
      ],
      { prepareAs: "sy_settle_jobs" },
    );
    rows = result.rows;
  } catch (err) {
    const state = sqlState(err);
    if (state === REWARDS_EXCEED_HOLD) {
      throw invalidArgument("the rewards exceed the job's hold", "rewards");
    }
    if (state === SqlState.ForeignKeyViolation) {
      throw invalidArgument("a reward names an unknown operator account", "rewards");
    }
    throw err;
  }
  const outcome = new Map<string, SettleResult | SwitchyardError>();
  unique.forEach((req, i) => {
    const row = rows[i];
    if (!row) throw new SwitchyardError(ErrorCode.Internal, "settle_jobs answered too few rows");
    if (row.was_settled) {
      outcome.set(req.jobId, { settled: true, refunded: toInt(row.refund), rewarded: toInt(row.reward) });
    } else if (row.job_known) {
      outcome.set(req.jobId, NOTHING);
    } else {
      outcome.set(req.jobId, new SwitchyardError(ErrorCode.NotFound, "no such job", { param: "job_id" }));
    }
  });
  const seen = new Set<string>();
  return requests.map((req) => {
    const first = !seen.has(req.jobId);
    seen.add(req.jobId);
    const result = outcome.get(req.jobId) as SettleResult | SwitchyardError;
    return first || result instanceof SwitchyardError ? result : NOTHING;
  });
}

/**
 * Refunds up to `limit` holds that expired by `nowMs`, marking their jobs `expired`, in one statement.
 * Holds locked by a concurrent settlement or reaper are skipped. Returns how many.
 */
export async function reapExpired(db: SqlExecutor, nowMs: number, limit: number): Promise<number> {
  const result = await db.query<{ reaped: unknown }>(
    "SELECT reap_expired_holds($1, $2) AS reaped",
    [Math.floor(nowMs), limit],
    { prepareAs: "sy_reap_expired_holds" },
  );
  return toInt(result.rows[0]?.reaped ?? 0);
}
