import { ErrorCode, SwitchyardError } from "../core/errors.js";
import { type Logger, silentLogger } from "../core/logger.js";
import * as accounts from "./accounts.js";
import { selectAccountImbalances, selectConservation, selectJobImbalances, selectMinted } from "./audit.js";
import { AuthCache } from "./auth-cache.js";
import { selectBalance, selectTransactions } from "./history.js";
import { placeHold } from "./holds.js";
import { hashApiKey, looksLikeApiKey } from "./keys.js";
import { migrate } from "./migrate.js";
import { requirePositiveInt } from "./money.js";
import { openSqlClient, type SqlClientChoice } from "./open-client.js";
import { Reaper } from "./reaper.js";
import { type JobRecord, type NodeTotals, selectJob, selectNodes } from "./records.js";
import { reapExpired, settleJobs, validateSettleRequest } from "./settlement.js";
import { SettlementBatcher, type SettlementBatcherOptions } from "./settlement-batcher.js";
import { isRetryable, type SqlClient, type SqlExecutor } from "./sql-client.js";
import type * as T from "./types.js";

export interface LedgerOptions extends SqlClientChoice {
  logger?: Logger;
  /** Credits every new account starts with. Default 1000. */
  openingGrant?: number;
  /** How long a successful authentication is remembered, in ms; 0 turns the cache off. Default 5000. */
  authCacheTtlMs?: number;
  /** Group commit of settlements; `false` writes each settlement in its own transaction. Default on. */
  batching?: SettlementBatcherOptions | false;
  /** Apply pending migrations at open. Default true. */
  migrate?: boolean;
}

const REAP_BATCH = 500;
const TX_ATTEMPTS = 3;

/**
 * Accounts, API keys, holds, settlement and history over PostgreSQL or PGlite. Every method takes and
 * returns plain values and throws SwitchyardErrors for what a caller should see; a database failure
 * rejects with the driver's error (convert it with toSwitchyardError at the boundary). After close()
 * every method throws `unavailable`.
 */
export class Ledger {
  private state: "open" | "closing" | "closed" = "open";
  private closing: Promise<void> | undefined;
  private readonly cache: AuthCache;
  private readonly batcher: SettlementBatcher | undefined;
  private readonly reaper: Reaper;

  private constructor(
    private readonly db: SqlClient,
    private readonly ownsClient: boolean,
    private readonly logger: Logger,
    private readonly openingGrant: number,
    options: LedgerOptions,
  ) {
    this.cache = new AuthCache(options.authCacheTtlMs ?? 5_000);
    const writeBatch = (reqs: T.SettleRequest[]) => this.inTx((tx) => settleJobs(tx, reqs));
    this.batcher =
      options.batching === false
        ? undefined
        : new SettlementBatcher(writeBatch, (req) => this.settleDirect(req), logger, options.batching);
    this.reaper = new Reaper((now) => this.reapExpiredHolds(now), logger);
  }

  /**
   * Opens the back-end (a given client, else DATABASE_URL's PostgreSQL, else PGlite) and migrates it.
   * Throws invalid_argument for a bad opening grant; rejects with the driver's error when the database
   * cannot be reached or migrated.
   */
  static async open(options: LedgerOptions = {}): Promise<Ledger> {
    const openingGrant = options.openingGrant ?? 1000;
    if (!Number.isSafeInteger(openingGrant) || openingGrant < 0) {
      throw new SwitchyardError(ErrorCode.InvalidArgument, "openingGrant must be a non-negative integer");
    }
    const logger = (options.logger ?? silentLogger()).child({ component: "ledger" });
    const { client, owned } = await openSqlClient(options);
    try {
      if (options.migrate !== false) await migrate(client, { logger });
    } catch (err) {
      if (owned) await client.close();
      throw err;
    }
    logger.info({ backend: client.kind }, "ledger open");
    return new Ledger(client, owned, logger, openingGrant, options);
  }

  /** "postgres" or "pglite". */
  get backend(): SqlClient["kind"] {
    return this.db.kind;
  }

  /** A new account with its opening grant and a first key, in one transaction. Throws invalid_argument. */
  async createAccount(input: { name: string; role?: T.Role }): Promise<T.CreatedAccount> {
    this.assertOpen();
    const created = await this.inTx((tx) => accounts.insertAccount(tx, input, this.openingGrant));
    this.logger.info({ accountId: created.accountId, keyId: created.keyId }, "account created");
    return created;
  }

  /** Another key for the account. Throws not_found (account), invalid_argument (label, role). */
  async createKey(accountId: string, input: { label?: string; role?: T.Role } = {}): Promise<T.CreatedKey> {
    this.assertOpen();
    const key = await accounts.addKey(this.db, accountId, input);
    this.logger.info({ accountId, keyId: key.keyId }, "key created");
    return key;
  }

  /** The account's keys, oldest first, without secrets. Throws not_found. */
  async listKeys(accountId: string): Promise<T.KeyInfo[]> {
    this.assertOpen();
    return accounts.selectKeys(this.db, accountId);
  }

  /** Revokes one of the account's own keys. Throws not_found when the account has no such key. */
  async revokeKey(accountId: string, keyId: string): Promise<void> {
    this.assertOpen();
    await accounts.markKeyRevoked(this.db, accountId, keyId);
    this.cache.dropKey(keyId);
    this.logger.info({ accountId, keyId }, "key revoked");
  }

  /**
   * Who presents this key. Throws unauthenticated for an unknown or revoked key, permission_denied for
   * a suspended key or account. Successes are cached for a few seconds.
   */
  async authenticate(apiKey: string): Promise<T.Principal> {
    this.assertOpen();
    if (typeof apiKey !== "string" || !looksLikeApiKey(apiKey)) throw unauthenticated();
    const hash = hashApiKey(apiKey);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const epoch = this.cache.epoch;
    const found = await accounts.findKeyByHash(this.db, hash);
    if (!found || found.revoked) throw unauthenticated();
    if (found.keySuspended || found.accountSuspended) {
      throw new SwitchyardError(
        ErrorCode.PermissionDenied,
        found.accountSuspended ? "the account is suspended" : "the key is suspended",
      );
    }
    const principal = { accountId: found.accountId, keyId: found.keyId, role: found.role };
    this.cache.set(hash, principal, epoch);
    return principal;
  }

  /**
   * Moves the job's cost from the balance into a hold, atomically; never overdraws. Throws
   * insufficient_credits (nothing changed), permission_denied (suspended account), not_found (account),
   * invalid_argument (bad input, or the job id already has a hold).
   */
  async hold(req: T.HoldRequest): Promise<T.HoldResult> {
    this.assertOpen();
    const held = await placeHold(this.db, req);
    this.logger.debug({ jobId: req.jobId, accountId: req.accountId, amount: req.amount }, "hold placed");
    return held;
  }

  /**
   * Settles a job exactly once: pays the rewards from the hold, refunds the rest to the client. A job
   * already settled or reaped gives `{ settled: false }` and changes nothing. Goes through the group
   * commit unless batching is off. Throws not_found (no such job), invalid_argument (bad request,
   * rewards above the hold, unknown operator: the hold then stays open for a retry or the reaper),
   * unavailable (closed).
   */
  async settle(req: T.SettleRequest): Promise<T.SettleResult> {
    this.assertOpen();
    validateSettleRequest(req);
    return await (this.batcher ? this.batcher.submit(req) : this.settleDirect(req));
  }

  /** Writes queued settlements now; resolves when none is queued or in flight. */
  async flushSettlements(): Promise<void> {
    await this.batcher?.flush();
  }

  /**
   * Refunds, exactly once, every hold whose TTL passed by `now` (its router died), marking the job
   * `expired`. Safe to run from several replicas at once. Returns how many holds it refunded.
   */
  async reapExpiredHolds(now = Date.now()): Promise<number> {
    this.assertOpen();
    let total = 0;
    for (;;) {
      const count = await this.inTx((tx) => reapExpired(tx, now, REAP_BATCH));
      total += count;
      if (count < REAP_BATCH) break;
    }
    if (total > 0) this.logger.info({ count: total }, "expired holds refunded");
    return total;
  }

  /** Runs reapExpiredHolds every `intervalMs` (default 5000) until stopReaper() or close(). */
  startReaper(intervalMs = 5_000): void {
    this.assertOpen();
    requirePositiveInt(intervalMs, "intervalMs");
    this.reaper.start(intervalMs);
  }

  /** Stops the periodic reaper; resolves once a pass in progress has finished. */
  stopReaper(): Promise<void> {
    return this.reaper.stop();
  }

  /** Balance, open holds, rewards earned and net spending. Throws not_found. */
  async balance(accountId: string): Promise<T.BalanceSummary> {
    this.assertOpen();
    return selectBalance(this.db, accountId);
  }

  /** History, newest first, `limit` 1–500 (default 50). Throws invalid_argument (limit, cursor). */
  transactions(
    accountId: string,
    options: { limit?: number; cursor?: string | null } = {},
  ): Promise<T.TransactionPage> {
    this.assertOpen();
    return selectTransactions(this.db, accountId, options);
  }

  /** Admin grant; returns the new balance. Throws not_found, invalid_argument (amount, reason). */
  async grant(accountId: string, amount: number, reason = ""): Promise<number> {
    this.assertOpen();
    const balance = await accounts.grantCredits(this.db, accountId, amount, reason);
    this.logger.info({ accountId, amount }, "credits granted");
    return balance;
  }

  /** Suspends (or restores) an account: its keys are refused and it cannot place holds. Throws not_found. */
  async setAccountSuspended(accountId: string, suspended: boolean): Promise<void> {
    this.assertOpen();
    await accounts.markAccountSuspended(this.db, accountId, suspended);
    this.cache.dropAccount(accountId);
    this.logger.info({ accountId, suspended }, "account suspension changed");
  }

  /** Suspends (or restores) one key. Throws not_found. */
  async setKeySuspended(keyId: string, suspended: boolean): Promise<void> {
    this.assertOpen();
    const accountId = await accounts.markKeySuspended(this.db, keyId, suspended);
    this.cache.dropKey(keyId);
    this.logger.info({ accountId, keyId, suspended }, "key suspension changed");
  }

  /** One job's record. Throws not_found. */
  async job(jobId: string): Promise<JobRecord> {
    this.assertOpen();
    return selectJob(this.db, jobId);
  }

  /** Lifetime totals of an operator's nodes. */
  async nodes(operatorAccountId: string): Promise<NodeTotals[]> {
    this.assertOpen();
    return selectNodes(this.db, operatorAccountId);
  }

  /** Sum of all grants: every credit ever created. */
  async mintedTotal(): Promise<number> {
    this.assertOpen();
    return selectMinted(this.db);
  }

  /** balances + open holds = minted, read in one snapshot. */
  async auditConservation(): Promise<T.ConservationAudit> {
    this.assertOpen();
    return selectConservation(this.db);
  }

  /** Jobs whose transactions do not net to zero (settled) or to minus the hold (open). Should be empty. */
  async jobTransactionSums(): Promise<T.JobImbalance[]> {
    this.assertOpen();
    return selectJobImbalances(this.db);
  }

  /** Accounts whose balance is not the sum of their transactions. Should be empty. */
  async accountTransactionSums(): Promise<Array<{ accountId: string; balance: number; journal: number }>> {
    this.assertOpen();
    return selectAccountImbalances(this.db);
  }

  /** Stops the reaper, writes queued settlements, then closes the database if the ledger opened it. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = "closing";
    const failures: unknown[] = [];
    for (const step of [() => this.reaper.stop(), () => this.batcher?.close(), () => this.closeClient()]) {
      try {
        await step();
      } catch (err) {
        failures.push(err);
      }
    }
    this.state = "closed";
    this.cache.clear();
    if (failures.length > 0) throw new AggregateError(failures, "ledger close failed");
  }

  private async closeClient(): Promise<void> {
    if (this.ownsClient) await this.db.close();
  }

  private async settleDirect(req: T.SettleRequest): Promise<T.SettleResult> {
    const [result] = await this.inTx((tx) => settleJobs(tx, [req]));
    if (result instanceof SwitchyardError) throw result;
    if (!result) throw new SwitchyardError(ErrorCode.Internal, "settlement result missing");
    this.logger.debug({ jobId: req.jobId, outcome: req.outcome, ...result }, "job settled");
    return result;
  }

  /** One transaction, run again when PostgreSQL aborts it for a deadlock or serialization failure. */
  private async inTx<R>(fn: (tx: SqlExecutor) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(fn);
      } catch (err) {
        if (attempt >= TX_ATTEMPTS || !isRetryable(err)) throw err;
        this.logger.debug({ attempt }, "ledger transaction retried after a conflict");
      }
    }
  }

  private assertOpen(): void {
    // Settlements already queued may still be written while closing; new calls are refused.
    if (this.state !== "open") throw new SwitchyardError(ErrorCode.Unavailable, "the ledger is closed");
  }
}

function unauthenticated(): SwitchyardError {
  return new SwitchyardError(ErrorCode.Unauthenticated, "missing, unknown or revoked API key");
}
