import { ErrorCode, invalidArgument, SwitchyardError } from "../core/errors.js";
import { requirePositiveInt, requireText, toInt } from "./money.js";
import type { SqlExecutor } from "./sql-client.js";
import type { JobState, Reward, SettleRequest, SettleResult } from "./types.js";

/**
 * Set-based settlement: any number of jobs in a fixed number of statements inside the caller's
 * transaction. Exactly-once comes from deleting the hold row: a job whose hold is already gone (settled,
 * or refunded by the reaper) is left alone, and two transactions that race for one hold serialise on its
 * row lock, so the second finds nothing to delete.
 */

const OUTCOMES = new Set(["succeeded", "failed", "cancelled", "deadline"]);

interface ReleasedHold {
  jobId: string;
  accountId: string;
  amount: number;
}

interface Plan {
  hold: ReleasedHold;
  outcome: JobState;
  rewards: readonly Reward[];
  durationMs: number | null;
}

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

type HoldRow = { job_id: string; account_id: string; amount: unknown };

function toReleased(rows: HoldRow[]): ReleasedHold[] {
  return rows.map((r) => ({ jobId: r.job_id, accountId: r.account_id, amount: toInt(r.amount) }));
}

/** Deletes the open holds of these jobs, locking them in job-id order, and returns what was held. */
async function releaseHolds(tx: SqlExecutor, jobIds: string[]): Promise<ReleasedHold[]> {
  const result = await tx.query<HoldRow>(
    `DELETE FROM holds WHERE job_id IN (
       SELECT job_id FROM holds WHERE job_id = ANY($1::text[]) ORDER BY job_id FOR UPDATE
     ) RETURNING job_id, account_id, amount`,
    [jobIds],
  );
  return toReleased(result.rows);
}

/** Deletes up to `limit` holds that expired by `nowMs`, skipping any another transaction has locked. */
async function releaseExpired(tx: SqlExecutor, nowMs: number, limit: number): Promise<ReleasedHold[]> {
  const result = await tx.query<HoldRow>(
    `DELETE FROM holds WHERE job_id IN (
       SELECT job_id FROM holds WHERE expires_at <= to_timestamp($1::double precision / 1000)
        ORDER BY job_id LIMIT $2 FOR UPDATE SKIP LOCKED
     ) RETURNING job_id, account_id, amount`,
    [nowMs, limit],
  );
  return toReleased(result.rows);
}

const APPLY_SQL = `
WITH credit AS (
  UPDATE accounts a SET balance = a.balance + d.delta
    FROM unnest($1::text[], $2::bigint[]) AS d(id, delta)
   WHERE a.id = d.id
), journal AS (
  INSERT INTO transactions (account_id, kind, amount, job_id, note)
  SELECT * FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[])
), node_totals AS (
  INSERT INTO nodes (operator_account_id, name, tasks, credits_earned)
  SELECT * FROM unnest($8::text[], $9::text[], $10::bigint[], $11::bigint[])
  ON CONFLICT (operator_account_id, name) DO UPDATE
     SET tasks = nodes.tasks + EXCLUDED.tasks,
         credits_earned = nodes.credits_earned + EXCLUDED.credits_earned,
         last_seen = now()
)
UPDATE jobs j SET outcome = f.outcome, settled_at = now(), duration_ms = f.duration_ms
  FROM unnest($12::text[], $13::text[], $14::bigint[]) AS f(id, outcome, duration_ms)
 WHERE j.id = f.id`;

/**
 * Pays each plan's rewards from its released hold, refunds the rest to the client, records the journal
 * and node totals and marks the jobs. Throws invalid_argument when rewards exceed a hold or name an
 * unknown operator account (the caller's transaction must then roll back).
 */
async function applyPlans(tx: SqlExecutor, plans: Plan[]): Promise<Map<string, SettleResult>> {
  const results = new Map<string, SettleResult>();
  const deltas = new Map<string, number>();
  const journal = {
    account: [] as string[],
    kind: [] as string[],
    amount: [] as number[],
    job: [] as string[],
    note: [] as string[],
  };
  const nodes = new Map<string, { operator: string; name: string; tasks: number; credits: number }>();
  const add = (account: string, kind: string, amount: number, job: string, note: string): void => {
    deltas.set(account, (deltas.get(account) ?? 0) + amount);
    journal.account.push(account);
    journal.kind.push(kind);
    journal.amount.push(amount);
    journal.job.push(job);
    journal.note.push(note);
  };
  for (const { hold, outcome, rewards } of plans) {
    const rewarded = rewards.reduce((sum, r) => sum + r.amount, 0);
    if (rewarded > hold.amount) {
      throw invalidArgument(`rewards (${rewarded}) exceed the job's hold (${hold.amount})`, "rewards");
    }
    for (const r of rewards) {
      add(r.operatorAccountId, "reward", r.amount, hold.jobId, r.nodeName);
      const key = JSON.stringify([r.operatorAccountId, r.nodeName]);
      const node = nodes.get(key) ?? {
        operator: r.operatorAccountId,
        name: r.nodeName,
        tasks: 0,
        credits: 0,
      };
      node.tasks += r.tasks ?? 1;
      node.credits += r.amount;
      nodes.set(key, node);
    }
    const refunded = hold.amount - rewarded;
    if (refunded > 0) add(hold.accountId, "refund", refunded, hold.jobId, outcome);
    results.set(hold.jobId, { settled: true, refunded, rewarded });
  }
  const accounts = [...deltas.keys()].sort();
  // Lock every account row in id order first, so concurrent batches cannot deadlock on them.
  const locked = await tx.query<{ id: string }>(
    "SELECT id FROM accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE",
    [accounts],
  );
  if (locked.rows.length !== accounts.length) {
    throw invalidArgument("a reward names an unknown operator account", "rewards");
  }
  const nodeList = [...nodes.values()];
  await tx.query(APPLY_SQL, [
    accounts,
    accounts.map((a) => deltas.get(a) ?? 0),
    journal.account,
    journal.kind,
    journal.amount,
    journal.job,
    journal.note,
    nodeList.map((n) => n.operator),
    nodeList.map((n) => n.name),
    nodeList.map((n) => n.tasks),
    nodeList.map((n) => n.credits),
    plans.map((p) => p.hold.jobId),
    plans.map((p) => p.outcome),
    plans.map((p) => p.durationMs),
  ]);
  return results;
}

const NOTHING: SettleResult = { settled: false, refunded: 0, rewarded: 0 };

/**
 * Settles validated requests inside the caller's transaction. Returns one entry per request, in order:
 * a result, or a not_found error for a job that never had a hold. A job named twice is settled once;
 * the later request gets `settled: false`. Throws (and the transaction must roll back) when any job's
 * rewards are invalid.
 */
export async function settleJobs(
  tx: SqlExecutor,
  requests: readonly SettleRequest[],
): Promise<Array<SettleResult | SwitchyardError>> {
  const ids = [...new Set(requests.map((r) => r.jobId))];
  const released = await releaseHolds(tx, ids);
  const byId = new Map<string, SettleRequest>();
  for (const req of requests) if (!byId.has(req.jobId)) byId.set(req.jobId, req);
  const plans = released.map((hold) => {
    const req = byId.get(hold.jobId) as SettleRequest;
    const durationMs = req.durationMs === undefined ? null : Math.round(req.durationMs);
    return { hold, outcome: req.outcome, rewards: req.rewards ?? [], durationMs };
  });
  const applied = plans.length > 0 ? await applyPlans(tx, plans) : new Map<string, SettleResult>();
  const missing = ids.filter((id) => !applied.has(id));
  const known = new Set<string>();
  if (missing.length > 0) {
    const found = await tx.query<{ id: string }>("SELECT id FROM jobs WHERE id = ANY($1::text[])", [missing]);
    for (const row of found.rows) known.add(row.id);
  }
  const seen = new Set<string>();
  return requests.map((req) => {
    const first = !seen.has(req.jobId);
    seen.add(req.jobId);
    const result = applied.get(req.jobId);
    if (result && first) return result;
    if (result || known.has(req.jobId)) return NOTHING;
    return new SwitchyardError(ErrorCode.NotFound, "no such job", { param: "job_id" });
  });
}

/**
 * Refunds up to `limit` holds that expired by `nowMs`, marking their jobs `expired`, inside the caller's
 * transaction. Holds locked by a concurrent settlement or reaper are skipped. Returns how many.
 */
export async function reapExpired(tx: SqlExecutor, nowMs: number, limit: number): Promise<number> {
  const released = await releaseExpired(tx, nowMs, limit);
  if (released.length === 0) return 0;
  await applyPlans(
    tx,
    released.map((hold) => ({ hold, outcome: "expired", rewards: [], durationMs: null })),
  );
  return released.length;
}
