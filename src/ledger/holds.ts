import { ErrorCode, invalidArgument, SwitchyardError } from "../core/errors.js";
import { requirePositiveInt, requireText, toInt } from "./money.js";
import { type SqlExecutor, SqlState, sqlState } from "./sql-client.js";
import type { HoldRequest, HoldResult } from "./types.js";

/**
 * The debit, the job, the hold and the `charge` transaction in ONE statement. The UPDATE's
 * `balance >= $3` is re-checked against the newest row version when concurrent holds queue on the
 * account's row lock, so no interleaving can overdraw; the CHECK (balance >= 0) is the backstop. When the
 * UPDATE matches nothing, the INSERTs select from an empty set and nothing at all is written.
 */
const HOLD_SQL = `
WITH debit AS (
  UPDATE accounts SET balance = balance - $3
   WHERE id = $2 AND balance >= $3 AND NOT suspended
  RETURNING id, balance
), job AS (
  INSERT INTO jobs (id, account_id, capability, chunks, cost, router_id, hold_expires_at)
  SELECT $1, id, $4, $5, $3, $6, to_timestamp($7::double precision / 1000) FROM debit
  RETURNING id
), hold AS (
  INSERT INTO holds (job_id, account_id, amount, expires_at)
  SELECT job.id, debit.id, $3, to_timestamp($7::double precision / 1000) FROM job, debit
), charge AS (
  INSERT INTO transactions (account_id, kind, amount, job_id, note)
  SELECT debit.id, 'charge', -$3::bigint, job.id, $4 FROM job, debit
)
SELECT balance FROM debit`;

/** Throws invalid_argument unless the request is well formed (checked before any database work). */
export function validateHoldRequest(req: HoldRequest): void {
  requireText(req.jobId, "job_id");
  requireText(req.accountId, "account_id");
  requirePositiveInt(req.amount, "amount");
  requireText(req.capability, "capability");
  requirePositiveInt(req.chunks, "chunks");
  requirePositiveInt(req.holdTtlMs, "hold_ttl_ms");
  if (req.routerId !== undefined && (typeof req.routerId !== "string" || req.routerId.length > 200)) {
    throw invalidArgument("router_id must be a string of at most 200 characters", "router_id");
  }
}

/** Tells why a hold matched no account row; runs after the fact and changes nothing. */
async function explainRefusal(db: SqlExecutor, req: HoldRequest): Promise<SwitchyardError> {
  const found = await db.query<{ balance: unknown; suspended: boolean }>(
    "SELECT balance, suspended FROM accounts WHERE id = $1",
    [req.accountId],
  );
  const row = found.rows[0];
  if (!row) return new SwitchyardError(ErrorCode.NotFound, "no such account", { param: "account_id" });
  if (row.suspended) return new SwitchyardError(ErrorCode.PermissionDenied, "the account is suspended");
  return new SwitchyardError(
    ErrorCode.InsufficientCredits,
    `insufficient credits: the job costs ${req.amount}, the balance is ${toInt(row.balance)}`,
  );
}

/**
 * Moves `amount` from the account's balance into a hold for the job. Throws invalid_argument for bad
 * input or a job id that already has a hold; insufficient_credits when the balance is short;
 * permission_denied for a suspended account; not_found for an unknown account. When it throws, nothing
 * changed.
 */
export async function placeHold(db: SqlExecutor, req: HoldRequest, now = Date.now()): Promise<HoldResult> {
  validateHoldRequest(req);
  const expiresAt = now + req.holdTtlMs;
  let rows: Array<{ balance: unknown }>;
  try {
    const result = await db.query<{ balance: unknown }>(HOLD_SQL, [
      req.jobId,
      req.accountId,
      req.amount,
      req.capability,
      req.chunks,
      req.routerId ?? "",
      expiresAt,
    ]);
    rows = result.rows;
  } catch (err) {
    if (sqlState(err) === SqlState.UniqueViolation) {
      throw new SwitchyardError(ErrorCode.InvalidArgument, "the job already has a hold", {
        param: "job_id",
        cause: err,
      });
    }
    throw err;
  }
  const row = rows[0];
  if (!row) throw await explainRefusal(db, req);
  return { jobId: req.jobId, balance: toInt(row.balance), expiresAt };
}

/**
 * The debits, jobs, holds and `charge` transactions of a whole batch in one statement, after the batch's
 * account rows were locked and its refusals decided (placeHolds).
 */
const HOLD_BATCH_SQL = `
WITH debit AS (
  UPDATE accounts a SET balance = a.balance - d.total
    FROM unnest($1::text[], $2::bigint[]) AS d(id, total)
   WHERE a.id = d.id
), job AS (
  INSERT INTO jobs (id, account_id, capability, chunks, cost, router_id, hold_expires_at)
  SELECT h.job_id, h.account_id, h.capability, h.chunks, h.amount, h.router_id,
         to_timestamp(h.expires_ms::double precision / 1000)
    FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[], $7::int[], $8::text[], $9::bigint[])
      AS h(job_id, account_id, amount, capability, chunks, router_id, expires_ms)
  RETURNING id, account_id, cost, capability, hold_expires_at
), hold AS (
  INSERT INTO holds (job_id, account_id, amount, expires_at)
  SELECT id, account_id, cost, hold_expires_at FROM job
)
INSERT INTO transactions (account_id, kind, amount, job_id, note)
SELECT account_id, 'charge', -cost, id, capability FROM job`;

/**
 * Places many holds in one transaction: locks the accounts involved (in id order, as settlement does,
 * so batches cannot deadlock), decides each request in order against the balance left by the ones
 * before it, then writes every accepted hold in one statement. Returns one entry per request: its
 * result, or the error placeHold would have thrown for it (nothing is written for that request).
 * Throws, and the transaction must roll back, when the write fails as a whole (e.g. a job id that
 * already has a hold); the caller then places the holds one by one.
 */
export async function placeHolds(
  tx: SqlExecutor,
  requests: readonly HoldRequest[],
  now = Date.now(),
): Promise<Array<HoldResult | SwitchyardError>> {
  const accountIds = [...new Set(requests.map((r) => r.accountId))].sort();
  const locked = await tx.query<{ id: string; balance: unknown; suspended: boolean }>(
    "SELECT id, balance, suspended FROM accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE",
    [accountIds],
  );
  const accounts = new Map(
    locked.rows.map((r) => [r.id, { balance: toInt(r.balance), suspended: r.suspended, debit: 0 }]),
  );
  const jobIds = new Set<string>();
  const accepted: Array<HoldRequest & { expiresAt: number }> = [];
  const results = requests.map((req): HoldResult | SwitchyardError => {
    const account = accounts.get(req.accountId);
    if (!account) return new SwitchyardError(ErrorCode.NotFound, "no such account", { param: "account_id" });
    if (account.suspended) return new SwitchyardError(ErrorCode.PermissionDenied, "the account is suspended");
    if (jobIds.has(req.jobId)) {
      return new SwitchyardError(ErrorCode.InvalidArgument, "the job already has a hold", {
        param: "job_id",
      });
    }
    const left = account.balance - account.debit;
    if (left < req.amount) {
      return new SwitchyardError(
        ErrorCode.InsufficientCredits,
        `insufficient credits: the job costs ${req.amount}, the balance is ${left}`,
      );
    }
    account.debit += req.amount;
    jobIds.add(req.jobId);
    const expiresAt = now + req.holdTtlMs;
    accepted.push({ ...req, expiresAt });
    return { jobId: req.jobId, balance: left - req.amount, expiresAt };
  });
  if (accepted.length === 0) return results;
  const debited = [...accounts].filter(([, a]) => a.debit > 0);
  await tx.query(HOLD_BATCH_SQL, [
    debited.map(([id]) => id),
    debited.map(([, a]) => a.debit),
    accepted.map((h) => h.jobId),
    accepted.map((h) => h.accountId),
    accepted.map((h) => h.amount),
    accepted.map((h) => h.capability),
    accepted.map((h) => h.chunks),
    accepted.map((h) => h.routerId ?? ""),
    accepted.map((h) => h.expiresAt),
  ]);
  return results;
}
