import type { Metadata } from "@grpc/grpc-js";
import { ErrorCode, SwitchyardError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import type { Ledger } from "../../ledger/ledger.js";
import type { JobOutcome, Principal, Reward } from "../../ledger/types.js";
import { bearerKey } from "../grpc/auth.js";

export interface BillingOptions {
  ledger: Ledger;
  /** Price per chunk by capability, in credits. */
  prices?: Record<string, number>;
  /** Price per chunk of capabilities not in `prices`. Default 10. */
  defaultPrice?: number;
  /** How long a hold outlives its job's deadline before the reaper may refund it. Default 60 000 ms. */
  holdGraceMs?: number;
  logger?: Logger;
}

/** One chunk's payee. */
export interface ChunkPayee {
  operator: string;
  nodeName: string;
}

/**
 * Who pays and who is paid: authenticates keys, prices jobs, moves a job's cost into a hold before it
 * runs and settles the hold when it ends (rewards to the node operators on success, refund otherwise).
 */
export class Billing {
  readonly ledger: Ledger;
  private prices: Record<string, number>;
  private currentDefaultPrice: number;
  private readonly holdGraceMs: number;
  private readonly logger: Logger;

  constructor(options: BillingOptions) {
    this.ledger = options.ledger;
    this.prices = { ...options.prices };
    this.currentDefaultPrice = options.defaultPrice ?? 10;
    this.holdGraceMs = options.holdGraceMs ?? 60_000;
    this.logger = options.logger ?? silentLogger();
    for (const [capability, price] of [
      ...Object.entries(this.prices),
      ["default", this.defaultPrice] as const,
    ]) {
      if (!Number.isSafeInteger(price) || price < 0)
        throw new RangeError(`price of ${capability} must be a whole number ≥ 0`);
    }
  }

  /** The caller of a gRPC call. Throws unauthenticated (no key, unknown, revoked) or permission_denied. */
  async principal(metadata: Metadata): Promise<Principal> {
    return this.principalOfKey(bearerKey(metadata));
  }

  /** Who presents this key. Throws unauthenticated (none, unknown, revoked) or permission_denied. */
  async principalOfKey(key: string | undefined): Promise<Principal> {
    if (key === undefined || key === "") {
      throw new SwitchyardError(
        ErrorCode.Unauthenticated,
        "an API key is required (authorization: Bearer <key>)",
      );
    }
    return this.ledger.authenticate(key);
  }

  /** Price of one chunk of a capability. */
  price(capability: string): number {
    return this.prices[capability] ?? this.currentDefaultPrice;
  }

  /** Price of a chunk of capabilities without their own price. */
  get defaultPrice(): number {
    return this.currentDefaultPrice;
  }

  /** The per-capability prices. */
  priceList(): Record<string, number> {
    return { ...this.prices };
  }

  /** Replaces the prices (an administrator's configuration change); jobs held before keep their cost. */
  setPrices(prices: Record<string, number>, defaultPrice: number): void {
    this.prices = { ...prices };
    this.currentDefaultPrice = defaultPrice;
  }

  /**
   * The job's cost: price × chunks. Throws insufficient_credits when `maxCost` (0 = no limit) is below
   * it; nothing is charged then.
   */
  quote(capability: string, chunks: number, maxCost: number): number {
    const cost = this.price(capability) * chunks;
    if (maxCost > 0 && cost > maxCost) {
      throw new SwitchyardError(
        ErrorCode.InsufficientCredits,
        `the job costs ${cost} credits (${chunks} chunk(s) × ${this.price(capability)}), over max_cost ${maxCost}`,
        { param: "max_cost" },
      );
    }
    return cost;
  }

  /**
   * Moves the job's cost, as `quote` gave it, into a hold. Throws insufficient_credits when the balance
   * is short (permission_denied for a suspended account): nothing is charged then. A cost of 0 places
   * no hold.
   */
  async hold(input: {
    jobId: string;
    principal: Principal;
    capability: string;
    chunks: number;
    cost: number;
    deadlineMs: number;
    routerId: string;
  }): Promise<void> {
    if (input.cost === 0) return;
    await this.ledger.hold({
      jobId: input.jobId,
      accountId: input.principal.accountId,
      amount: input.cost,
      capability: input.capability,
      chunks: input.chunks,
      routerId: input.routerId,
      holdTtlMs: input.deadlineMs + this.holdGraceMs,
    });
  }

  /**
   * Settles a job in the background: on success each chunk's operator is paid the chunk's price; on
   * any other outcome the hold goes back to the client. A failure is logged and left to the reaper,
   * which refunds the hold.
   */
  settle(
    jobId: string,
    pricePerChunk: number,
    outcome: JobOutcome,
    payees: ChunkPayee[],
    durationMs: number,
  ): void {
    // The price the job was held at, whatever the configuration says now.
    const price = pricePerChunk;
    const rewards: Reward[] = [];
    if (outcome === "succeeded" && price > 0) {
      const byNode = new Map<string, Reward>();
      for (const p of payees) {
        const key = `${p.operator}\n${p.nodeName}`;
        const known = byNode.get(key);
        if (known) {
          known.amount += price;
          known.tasks = (known.tasks ?? 1) + 1;
        } else {
          byNode.set(key, { operatorAccountId: p.operator, nodeName: p.nodeName, amount: price, tasks: 1 });
        }
      }
      rewards.push(...byNode.values());
    }
    this.ledger.settle({ jobId, outcome, rewards, durationMs }).catch((err: unknown) => {
      this.logger.error({ err, jobId, outcome }, "settlement failed; the reaper will refund the hold");
    });
  }
}

/** The ledger outcome for a job that ended with `error`. */
export function outcomeOf(error: SwitchyardError): JobOutcome {
  if (error.code === ErrorCode.DeadlineExceeded) return "deadline";
  if (error.code === ErrorCode.Cancelled) return "cancelled";
  return "failed";
}
