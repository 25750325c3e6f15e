import { randomUUID } from "node:crypto";
import type { Ledger } from "./ledger.js";

/** A hold-and-settle workload for benchmarks and soak tests; bench/ drives it, src/ never does. */
export interface LedgerLoadOptions {
  /** Jobs to hold and settle. */
  jobs: number;
  /** Jobs in flight at once. Default 64. */
  concurrency?: number;
  /** Chunks per job; each chunk is rewarded `price`. Default 1. */
  chunks?: number;
  /** Credits per chunk. Default 10. */
  price?: number;
  /** Client accounts the jobs are spread over. Default 8. */
  clients?: number;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

export interface LedgerLoadResult {
  jobs: number;
  elapsedMs: number;
  jobsPerSecond: number;
  holdMs: LatencySummary;
  settleMs: LatencySummary;
  /** balances + open holds = minted after the run. */
  conserved: boolean;
}

function summarise(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 };
}

/**
 * Creates client accounts funded for the run and one operator, then holds and settles `jobs` jobs with
 * `concurrency` in flight, every job succeeding and paying its chunks to the operator. Rejects with the
 * first ledger error.
 */
export async function runLedgerLoad(ledger: Ledger, options: LedgerLoadOptions): Promise<LedgerLoadResult> {
  const concurrency = options.concurrency ?? 64;
  const chunks = options.chunks ?? 1;
  const price = options.price ?? 10;
  const clientCount = Math.max(1, options.clients ?? 8);
  const cost = chunks * price;
  const run = randomUUID().slice(0, 8);
  const clients = await Promise.all(
    Array.from({ length: clientCount }, (_, i) => ledger.createAccount({ name: `load-${run}-client-${i}` })),
  );
  const perClient = Math.ceil(options.jobs / clientCount) * cost;
  await Promise.all(clients.map((c) => ledger.grant(c.accountId, perClient, "load test")));
  const operator = await ledger.createAccount({ name: `load-${run}-operator` });
  const holdMs: number[] = [];
  const settleMs: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < options.jobs; i = next++) {
      const jobId = `load-${run}-${i}`;
      const accountId = clients[i % clientCount]?.accountId as string;
      const t0 = performance.now();
      await ledger.hold({ jobId, accountId, amount: cost, capability: "load", chunks, holdTtlMs: 60_000 });
      const t1 = performance.now();
      const rewards = Array.from({ length: chunks }, (_, c) => ({
        operatorAccountId: operator.accountId,
        nodeName: `node-${c % 4}`,
        amount: price,
      }));
      await ledger.settle({ jobId, outcome: "succeeded", rewards, durationMs: 1 });
      holdMs.push(t1 - t0);
      settleMs.push(performance.now() - t1);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  const elapsedMs = performance.now() - started;
  return {
    jobs: options.jobs,
    elapsedMs,
    jobsPerSecond: (options.jobs * 1000) / Math.max(elapsedMs, 1),
    holdMs: summarise(holdMs),
    settleMs: summarise(settleMs),
    conserved: (await ledger.auditConservation()).ok,
  };
}
