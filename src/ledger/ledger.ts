import { ErrorCode, SwitchyardError, toSwitchyardError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import * as accounts from "./accounts.js";
import { selectAccountImbalances, selectConservation, selectJobImbalances, selectMinted } from "./audit.js";
import { Authenticator } from "./authenticator.js";
import { GroupCommit } from "./group-commit.js";
import { selectBalance, selectTransactions } from "./history.js";
import { placeHold, placeHolds, validateHoldRequest } from "./holds.js";
import {
  type CompiledLedgerOptions,
  compileLedgerOptions,
  type LedgerOperation,
  type LedgerOptions,
} from "./ledger-options.js";
import { migrate } from "./migrate.js";
import { requirePositiveInt } from "./money.js";
import { openSqlClient } from "./open-client.js";
import { Reaper } from "./reaper.js";
import { type JobRecord, type NodeTotals, selectJob, selectNodes } from "./records.js";
import { RoutingStore } from "./routing-store.js";
import { reapExpired, settleJobs, validateSettleRequest } from "./settlement.js";
import { isRetryable, type SqlClient, type SqlExecutor } from "./sql-client.js";
import type * as T from "./types.js";

export type { LedgerObservation, LedgerOperation, LedgerOptions } from "./ledger-options.js";

const REAP_BATCH = 500;
const TX_ATTEMPTS = 3;

/**
 * Accounts, API keys, holds, settlement and history over PostgreSQL or PGlite. Every method takes and
 * returns plain values and throws SwitchyardErrors for what a caller should see; a database failure
 * rejects with the driver's error (convert it with toSwitchyardError at the boundary). After close()
 * every method rejects with `unavailable`.
 */
export class Ledger {
  private state: "open" | "closing" | "closed" = "open";
  private closing: Promise<void> | undefined;
  private readonly auth: Authenticator;
  private readonly batcher: GroupCommit<T.SettleRequest, T.SettleResult> | undefined;
  private readonly holdBatcher: GroupCommit<T.HoldRequest, T.HoldResult> | undefined;
  private readonly reaper: Reaper;
  private readonly logger: Logger;

  private constructor(
    private readonly db: SqlClient,
    private readonly ownsClient: boolean,
    private readonly options: CompiledLedgerOptions,
  ) {
    this.logger = options.logger;
    this.auth = new Authenticator(db, options.authCacheTtlMs);
    this.batcher =
      options.batching === false
        ? undefined
        : new GroupCommit<T.SettleRequest, T.SettleResult>(
            (reqs) =>
              this.observed("settle_batch", () => this.retried(() => settleJobs(this.db, reqs)), reqs.length),
            (req) => this.settleDirect(req),
            this.logger,
            options.batching,
            "settlement",
          );
    this.holdBatcher =
      options.holdBatching === false
        ? undefined
        : new GroupCommit<T.HoldRequest, T.HoldResult>(
            (reqs) =>
              this.observed("hold_batch", () => this.retried(() => placeHolds(this.db, reqs)), reqs.length),
            (req) => placeHold(this.db, req),
            this.logger,
            options.holdBatching,
            "hold",
          );
    this.reaper = new Reaper((now) => this.reapExpiredHolds(now), this.logger);
  }

  /**
   * Opens the back-end (a given client, else DATABASE_URL's PostgreSQL, else PGlite) and migrates it.
   * Throws invalid_argument for a bad option; rejects with the driver's error when the database cannot
   * be reached or migrated.
   */
  static async open(options: LedgerOptions = {}): Promise<Ledger> {
    const compiled = compileLedgerOptions(options);
    const { client, owned } = await openSqlClient(options);
    try {
      if (compiled.migrate) await migrate(client, { logger: compiled.logger });
    } catch (err) {
      if (owned) await client.close();
      throw err;
    }
    compiled.logger.info({ backend: client.kind }, "ledger open");
    return new Ledger(client, owned, compiled);
  }

  /** "postgres" or "pglite". */
  get backend(): SqlClient["kind"] {
    return this.db.kind;
  }

  /** A new account with its opening grant and a first key, in one transaction. Throws invalid_argument. */
  async createAccount(input: { name: string; role?: T.Role }): Promise<T.CreatedAccount> {
    const created = await this.op("create_account", () =>
      this.inTx((tx) => accounts.insertAccount(tx, input, this.options.openingGrant)),
    );
    this.logger.info({ accountId: created.accountId, keyId: created.keyId }, "account created");
    return created;
  }

  /** Another key for the account. Throws not_found (account), invalid_argument (label, role). */
  async createKey(accountId: string, input: { label?: string; role?: T.Role } = {}): Promise<T.CreatedKey> {
    const key = await this.op("create_key", () => accounts.addKey(this.db, accountId, input));
    this.logger.info({ accountId, keyId: key.keyId }, "key created");
    return key;
  }

  /** The account's keys, oldest first, without secrets. Throws not_found. */
  listKeys(accountId: string): Promise<T.KeyInfo[]> {
    return this.op("list_keys", () => accounts.selectKeys(this.db, accountId));
  }

  /** Revokes one of the account's own keys. Throws not_found when the account has no such key. */
  async revokeKey(accountId: string, keyId: string): Promise<void> {
    await this.op("revoke_key", () => accounts.markKeyRevoked(this.db, accountId, keyId));
    this.auth.forgetKey(keyId);
    this.logger.info({ accountId, keyId }, "key revoked");
  }

  /**
   * Who presents this key. Throws unauthenticated for an unknown or revoked key, permission_denied for
   * a suspended key or account. Successes are cached for a few seconds; revoking or suspending through
   * this instance takes effect at once, through another within the cache TTL.
   */
  authenticate(apiKey: string): Promise<T.Principal> {
    return this.op("authenticate", () => this.auth.authenticate(apiKey));
  }

  /**
   * Moves the job's cost from the balance into a hold, atomically; never overdraws. Throws
   * insufficient_credits (nothing changed), permission_denied (suspended account), not_found (account),
   * invalid_argument (bad input, or the job id already has a hold). Holds arriving together share one
   * transaction (group commit) unless hold batching is off; a lone hold is written at once.
   */
  hold(req: T.HoldRequest): Promise<T.HoldResult> {
    return this.op("hold", () => {
      validateHoldRequest(req);
      return this.holdBatcher ? this.holdBatcher.submit(req) : placeHold(this.db, req);
    });
  }

  /**
   * Settles a job exactly once: pays the rewards from the hold, refunds the rest to the client. A job
   * already settled or reaped gives `{ settled: false }` and changes nothing. Goes through the group
   * commit unless batching is off. Throws not_found (no such job), invalid_argument (bad request,
   * rewards above the hold, unknown operator: the hold then stays open for a retry or the reaper).
   */
  settle(req: T.SettleRequest): Promise<T.SettleResult> {
    return this.op("settle", () => {
      validateSettleRequest(req);
      return this.batcher ? this.batcher.submit(req) : this.settleDirect(req);
    });
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
    const total = await this.op("reap", async () => {
      let sum = 0;
      for (;;) {
        const count = await this.retried(() => reapExpired(this.db, now, REAP_BATCH));
        sum += count;
        if (count < REAP_BATCH) return sum;
      }
    });
    if (total > 0) this.logger.info({ count: total }, "expired holds refunded");
    return total;
  }

  /** Runs reapExpiredHolds every `intervalMs` (default 5000) until stopReaper() or close(). */
  startReaper(intervalMs = 5_000): void {
    this.assertOpen();
    this.reaper.start(requirePositiveInt(intervalMs, "intervalMs"));
  }

  /** Stops the periodic reaper; resolves once a pass in progress has finished. */
  stopReaper(): Promise<void> {
    return this.reaper.stop();
  }

  /** Balance, open holds, rewards earned and net spending. Throws not_found. */
  balance(accountId: string): Promise<T.BalanceSummary> {
    return this.op("balance", () => selectBalance(this.db, accountId));
  }

  /** History, newest first, `limit` 1–500 (default 50). Throws invalid_argument (limit, cursor). */
  transactions(
    accountId: string,
    page: { limit?: number; cursor?: string | null } = {},
  ): Promise<T.TransactionPage> {
    return this.op("transactions", () => selectTransactions(this.db, accountId, page));
  }

  /** Admin grant; returns the new balance. Throws not_found, invalid_argument (amount, reason). */
  async grant(accountId: string, amount: number, reason = ""): Promise<number> {
    const balance = await this.op("grant", () => accounts.grantCredits(this.db, accountId, amount, reason));
    this.logger.info({ accountId, amount }, "credits granted");
    return balance;
  }

  /** Suspends (or restores) an account: its keys are refused and it cannot place holds. Throws not_found. */
  async setAccountSuspended(accountId: string, suspended: boolean): Promise<void> {
    await this.op("suspend", () => accounts.markAccountSuspended(this.db, accountId, suspended));
    this.auth.forgetAccount(accountId);
    this.logger.info({ accountId, suspended }, "account suspension changed");
  }

  /** Suspends (or restores) one key. Throws not_found. */
  async setKeySuspended(keyId: string, suspended: boolean): Promise<void> {
    const accountId = await this.op("suspend", () => accounts.markKeySuspended(this.db, keyId, suspended));
    this.auth.forgetKey(keyId);
    this.logger.info({ accountId, keyId, suspended }, "key suspension changed");
  }

  /** One job's record. Throws not_found. */
  job(jobId: string): Promise<JobRecord> {
    return this.op("read", () => selectJob(this.db, jobId));
  }

  /** Lifetime totals of an operator's nodes. */
  nodes(operatorAccountId: string): Promise<NodeTotals[]> {
    return this.op("read", () => selectNodes(this.db, operatorAccountId));
  }

  /** The routing configuration's versions and the pause switch, in this ledger's database. */
  routing<C>(): RoutingStore<C> {
    return new RoutingStore<C>(this.db);
  }

  /** Sum of all grants: every credit ever created. */
  mintedTotal(): Promise<number> {
    return this.op("audit", () => selectMinted(this.db));
  }

  /** balances + open holds = minted, read in one snapshot. */
  auditConservation(): Promise<T.ConservationAudit> {
    return this.op("audit", () => selectConservation(this.db));
  }

  /** Jobs whose transactions do not net to zero (settled) or to minus the hold (open). Should be empty. */
  jobTransactionSums(): Promise<T.JobImbalance[]> {
    return this.op("audit", () => selectJobImbalances(this.db));
  }

  /** Accounts whose balance is not the sum of their transactions. Should be empty. */
  accountTransactionSums(): Promise<Array<{ accountId: string; balance: number; journal: number }>> {
    return this.op("audit", () => selectAccountImbalances(this.db));
  }

  /** Stops the reaper, writes queued settlements, then closes the database if the ledger opened it. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = "closing";
    const failures: unknown[] = [];
    const steps = [
      () => this.reaper.stop(),
      () => this.holdBatcher?.close(),
      () => this.batcher?.close(),
      () => this.closeClient(),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        failures.push(err);
      }
    }
    this.state = "closed";
    this.auth.clear();
    if (failures.length > 0) throw new AggregateError(failures, "ledger close failed");
  }

  private async closeClient(): Promise<void> {
    if (this.ownsClient) await this.db.close();
  }

  private async settleDirect(req: T.SettleRequest): Promise<T.SettleResult> {
    const [result] = await this.retried(() => settleJobs(this.db, [req]));
    if (result instanceof SwitchyardError) throw result;
    if (!result) throw new SwitchyardError(ErrorCode.Internal, "settlement result missing");
    return result;
  }

  /** One transaction, run again when PostgreSQL aborts it for a deadlock or serialization failure. */
  private inTx<R>(fn: (tx: SqlExecutor) => Promise<R>): Promise<R> {
    return this.retried(() => this.db.transaction(fn));
  }

  /** Runs `fn` (one transaction) again when PostgreSQL aborts it for a deadlock or serialization failure. */
  private async retried<R>(fn: () => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= TX_ATTEMPTS || !isRetryable(err)) throw err;
        this.logger.debug({ attempt }, "ledger transaction retried after a conflict");
      }
    }
  }

  /** A public operation: refused once closing, timed and reported to `observe`. */
  private async op<R>(operation: LedgerOperation, fn: () => Promise<R>): Promise<R> {
    this.assertOpen();
    return this.observed(operation, fn);
  }

  private async observed<R>(operation: LedgerOperation, fn: () => Promise<R>, count?: number): Promise<R> {
    const started = performance.now();
    const report = (outcome: "ok" | ErrorCode, n = count) =>
      this.options.observe({
        operation,
        outcome,
        durationMs: performance.now() - started,
        ...(n === undefined ? {} : { count: n }),
      });
    try {
      const result = await fn();
      report("ok", operation === "reap" ? (result as number) : count);
      return result;
    } catch (err) {
      report(toSwitchyardError(err).code);
      throw err;
    }
  }

  private assertOpen(): void {
    // Settlements already queued may still be written while closing; new calls are refused.
    if (this.state !== "open") throw new SwitchyardError(ErrorCode.Unavailable, "the ledger is closed");
  }
}
