import { Counter, Histogram, type Registry } from "prom-client";
import { COUNT_BUCKETS, FAST_BUCKETS, seconds } from "../../core/metrics/registry.js";
import type { LedgerObservation } from "../../ledger/ledger.js";

/**
 * Ledger calls as Prometheus metrics, fed by the ledger's `observe` option: every operation the router
 * makes through billing (authenticate, hold, settle and the group commit behind it) and the reaper's.
 */
export class LedgerMetrics {
  private readonly operations: Counter<"operation" | "result">;
  private readonly duration: Histogram<"operation">;
  private readonly batch: Histogram;
  private readonly holdBatch: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.operations = new Counter({
      name: "switchyard_ledger_operations_total",
      help: 'Ledger operations, by operation and result ("ok" or an error code).',
      labelNames: ["operation", "result"],
      registers,
    });
    this.duration = new Histogram({
      name: "switchyard_ledger_operation_duration_seconds",
      help: "Duration of ledger operations, including waiting for the group commit.",
      labelNames: ["operation"],
      buckets: [...FAST_BUCKETS],
      registers,
    });
    this.batch = new Histogram({
      name: "switchyard_ledger_settle_batch_size",
      help: "Settlements written in one group-commit transaction.",
      buckets: [...COUNT_BUCKETS],
      registers,
    });
    this.holdBatch = new Histogram({
      name: "switchyard_ledger_hold_batch_size",
      help: "Holds placed in one group-commit transaction.",
      buckets: [...COUNT_BUCKETS],
      registers,
    });
  }

  /** The function to give the ledger as `LedgerOptions.observe`. */
  readonly observe = (observation: LedgerObservation): void => {
    this.operations.inc({ operation: observation.operation, result: observation.outcome });
    this.duration.observe({ operation: observation.operation }, seconds(observation.durationMs));
    if (observation.count === undefined) return;
    if (observation.operation === "settle_batch") this.batch.observe(observation.count);
    else if (observation.operation === "hold_batch") this.holdBatch.observe(observation.count);
  };
}
