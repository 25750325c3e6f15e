import { ErrorCode, SwitchyardError } from "../core/errors.js";
import { toInt, toMs } from "./money.js";
import type { SqlExecutor } from "./sql-client.js";
import type { JobState } from "./types.js";

export interface JobRecord {
  jobId: string;
  accountId: string;
  capability: string;
  chunks: number;
  cost: number;
  outcome: JobState;
  createdAt: number;
  settledAt: number | null;
  durationMs: number | null;
  routerId: string;
  holdExpiresAt: number;
}

export interface NodeTotals {
  operatorAccountId: string;
  name: string;
  tasks: number;
  creditsEarned: number;
  lastSeen: number;
}

/** One job's ledger record. Throws not_found. */
export async function selectJob(db: SqlExecutor, jobId: string): Promise<JobRecord> {
  const result = await db.query<Record<string, unknown>>(
    `SELECT id, account_id, capability, chunks, cost, outcome, created_at, settled_at, duration_ms,
            router_id, hold_expires_at
       FROM jobs WHERE id = $1`,
    [jobId],
  );
  const r = result.rows[0];
  if (!r) throw new SwitchyardError(ErrorCode.NotFound, "no such job", { param: "job_id" });
  return {
    jobId: String(r.id),
    accountId: String(r.account_id),
    capability: String(r.capability),
    chunks: toInt(r.chunks),
    cost: toInt(r.cost),
    outcome: r.outcome as JobState,
    createdAt: toMs(r.created_at),
    settledAt: r.settled_at === null ? null : toMs(r.settled_at),
    durationMs: r.duration_ms === null ? null : toInt(r.duration_ms),
    routerId: String(r.router_id),
    holdExpiresAt: toMs(r.hold_expires_at),
  };
}

/** Lifetime totals of the operator's nodes, by name. */
export async function selectNodes(db: SqlExecutor, operatorAccountId: string): Promise<NodeTotals[]> {
  const result = await db.query<Record<string, unknown>>(
    `SELECT operator_account_id, name, tasks, credits_earned, last_seen
       FROM nodes WHERE operator_account_id = $1 ORDER BY name`,
    [operatorAccountId],
  );
  return result.rows.map((r) => ({
    operatorAccountId: String(r.operator_account_id),
    name: String(r.name),
    tasks: toInt(r.tasks),
    creditsEarned: toInt(r.credits_earned),
    lastSeen: toMs(r.last_seen),
  }));
}
