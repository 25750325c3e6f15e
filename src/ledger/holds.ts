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

/** Why a hold was refused; also what place_holds (migration 003) says of a refused request. */
type Refusal = "not_found" | "suspended" | "duplicate" | "insufficient";

/** The error a refused hold gives its caller; `balance` is the balance that was too short. */
function refusal(kind: Refusal, req: HoldRequest, balance: number, cause?: unknown): SwitchyardError {
  switch (kind) {
    case "not_found":
      return new SwitchyardError(ErrorCode.NotFound, "no such account", { param: "account_id" });
    case "suspended":
      return new SwitchyardError(ErrorCode.PermissionDenied, "the account is suspended");
    case "duplicate":
      return new SwitchyardError(ErrorCode.InvalidArgument, "the job already has a hold", {
        param: "job_id",
        cause,
      });
    case "insufficient":
      return new SwitchyardError(
        ErrorCode.InsufficientCredits,
        `insufficient credits: the job costs ${req.amount}, the balance is ${balance}`,
      );
  }
}

/** Tells why a hold matched no account row; runs after the fact and changes nothing. */
async function explainRefusal(db: SqlExecutor, req: HoldRequest): Promise<SwitchyardError> {
  const found = await db.query<{ balance: unknown; suspended: boolean }>(
    "SELECT balance, suspended FROM accounts WHERE id = $1",
    [req.accountId],
  );
  const row = found.rows[0];
  if (!row) return refusal("not_found", req, 0);
  return refusal(row.suspended ? "suspended" : "insufficient", req, toInt(row.balance));
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
    const result = await db.query<{ balance: unknown }>(
      HOLD_SQL,
      [req.jobId, req.accountId, req.amount, req.capability, req.chunks, req.routerId ?? "", expiresAt],
      { prepareAs: "sy_place_hold" },
    );
    rows = result.rows;
  } catch (err) {
    if (sqlState(err) === SqlState.UniqueViolation) throw refusal("duplicate", req, 0, err);
    throw err;
  }
  const row = rows[0];
  if (!row) throw await explainRefusal(db, req);
  return { jobId: req.jobId, balance: toInt(row.balance), expiresAt };
}

/**
 * Places many holds in one statement (the place_holds function: one round trip, one commit; a single
 * hold goes through placeHold's plain statement instead). Each request is decided in order against the
 * balance the accepted ones before it left. Returns one entry per request: its result, or the error
 * placeHold would have thrown for it (nothing is written for that request). Throws, and nothing at
 * all is written, when the batch fails as a whole (e.g. a job id that already has a hold); the caller
 * then places the holds one by one.
 */
export async function placeHolds(
  db: SqlExecutor,
  requests: readonly HoldRequest[],
  now = Date.now(),
): Promise<Array<HoldResult | SwitchyardError>> {
  const [only] = requests;
  if (requests.length === 1 && only) {
    // A hold alone (a quiet moment): the plain statement costs the server less than the function.
    try {
      return [await placeHold(db, only, now)];
    } catch (err) {
      if (err instanceof SwitchyardError) return [err];
      throw err;
    }
  }
  const expiresAt = requests.map((r) => now + r.holdTtlMs);
  const result = await db.query<{ hold_outcome: "ok" | Refusal; balance_left: unknown }>(
    "SELECT hold_outcome, balance_left FROM place_holds($1, $2, $3, $4, $5, $6, $7)",
    [
      requests.map((r) => r.jobId),
      requests.map((r) => r.accountId),
      requests.map((r) => r.amount),
      requests.map((r) => r.capability),
      requests.map((r) => r.chunks),
      requests.map((r) => r.routerId ?? ""),
      expiresAt,
    ],
    { prepareAs: "sy_place_holds" },
  );
  if (result.rows.length !== requests.length) {
    throw new SwitchyardError(ErrorCode.Internal, "place_holds answered a different number of rows");
  }
  return result.rows.map((row, i): HoldResult | SwitchyardError => {
    const req = requests[i] as HoldRequest;
    const balance = toInt(row.balance_left);
    if (row.hold_outcome === "ok") return { jobId: req.jobId, balance, expiresAt: expiresAt[i] as number };
    return refusal(row.hold_outcome, req, balance);
  });
}
