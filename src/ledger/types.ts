/** Plain values the ledger takes and returns. Money is whole credits as JS numbers. */

export type Role = "user" | "admin";

/** How a job ended. `expired` is set only by the reaper. */
export type JobOutcome = "succeeded" | "failed" | "cancelled" | "deadline";
export type JobState = "running" | JobOutcome | "expired";

export type TransactionKind = "grant" | "charge" | "reward" | "refund";

export interface CreatedAccount {
  accountId: string;
  /** The clear key, returned this once and never stored. */
  apiKey: string;
  keyId: string;
  balance: number;
}

export interface CreatedKey {
  keyId: string;
  /** The clear key, returned this once and never stored. */
  apiKey: string;
}

export interface KeyInfo {
  keyId: string;
  label: string;
  role: Role;
  /** The first characters of the key, for display. */
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
  suspended: boolean;
}

export interface Principal {
  accountId: string;
  keyId: string;
  role: Role;
}

export interface HoldRequest {
  /** Chosen by the caller; one hold per job id ever. */
  jobId: string;
  accountId: string;
  /** Credits to move from the balance into the hold: a positive integer. */
  amount: number;
  capability: string;
  chunks: number;
  /** The router replica that holds the job; for operations. Default "". */
  routerId?: string;
  /** After this long the reaper refunds the hold if nobody settled it. */
  holdTtlMs: number;
}

export interface HoldResult {
  jobId: string;
  /** The balance left after the hold. */
  balance: number;
  /** Epoch ms after which the reaper may refund the hold. */
  expiresAt: number;
}

export interface Reward {
  operatorAccountId: string;
  nodeName: string;
  /** Credits paid from the hold: a positive integer. */
  amount: number;
  /** Tasks (chunks) this payment is for, counted in the node's totals. Default 1. */
  tasks?: number;
}

export interface SettleRequest {
  jobId: string;
  outcome: JobOutcome;
  /** Payments from the hold; may be non-empty for a failed job whose finished chunks are paid. */
  rewards?: Reward[];
  /** Wall time of the job in ms; stored rounded. */
  durationMs?: number;
}

export interface SettleResult {
  /** False when the job had already been settled (or reaped): nothing changed. */
  settled: boolean;
  refunded: number;
  rewarded: number;
}

export interface BalanceSummary {
  balance: number;
  /** Sum of the account's open holds. */
  held: number;
  /** Sum of rewards received. */
  earned: number;
  /** Charges minus refunds (includes what is held now). */
  spent: number;
}

export interface TransactionRecord {
  id: string;
  kind: TransactionKind;
  amount: number;
  jobId: string | null;
  note: string;
  createdAt: number;
}

export interface TransactionPage {
  items: TransactionRecord[];
  /** Pass back to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface ConservationAudit {
  minted: number;
  balances: number;
  openHolds: number;
  /** balances + openHolds = minted. */
  ok: boolean;
}

/** A job whose transactions do not net to what they should (zero once settled, −hold while open). */
export interface JobImbalance {
  jobId: string;
  sum: number;
  openHold: number;
}
