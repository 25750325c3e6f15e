/**
 * What PostgreSQL's connections to one database are doing during a measured run, sampled from
 * pg_stat_activity every few tens of ms over one extra connection: how many, on average, run, wait for
 * a lock, wait for the WAL to reach the disk, or sit idle (in a transaction or not). It tells a run held
 * back by the database (row-lock queues, commit flushes) from one held back by the router's CPU.
 */
import { existsSync } from "node:fs";
import pg from "pg";

/** Average number of the database's connections in each state over the run, by state. */
export interface PgWaits {
  samples: number;
  /** e.g. `"hold: Lock/transactionid": 2.2`, `"settle: IO/WALSync": 0.1`, `"idle in transaction": 1.0`. */
  connections: Record<string, number>;
}

const SAMPLE_SQL = `
SELECT state, wait_event_type, wait_event, left(query, 200) AS query
  FROM pg_stat_activity
 WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`;

/**
 * How long stop() waits for the sampler's backend to end. Its CPU then moves to the postmaster's
 * figure for its children, so it must land before the next run's CPU is first read, not during it.
 */
const BACKEND_EXIT_LIMIT_MS = 2_000;

/** Resolves once process `pid` has ended and been reaped (Linux; elsewhere at once), or after `limitMs`. */
async function gone(pid: number, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  while (existsSync(`/proc/${pid}`) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}

/** Names the ledger statement a connection runs, from the start of its text. */
function statementOf(query: string): string {
  const q = query.replace(/\s+/g, " ").trim();
  if (q.startsWith("WITH debit AS")) return "hold";
  if (q.includes("FROM place_holds(")) return "hold (group)";
  if (q.startsWith("DELETE FROM holds") || q.startsWith("WITH credit AS")) return "settle";
  if (q.includes("FROM settle_jobs(")) return "settle (group)";
  if (q.startsWith("SELECT id FROM accounts WHERE id = ANY")) return "settle (lock accounts)";
  if (q === "COMMIT" || q === "BEGIN") return q;
  return "other";
}

function stateOf(row: {
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  query: string;
}): string {
  if (row.state !== "active") return row.state ?? "unknown";
  const wait = row.wait_event_type ? `${row.wait_event_type}/${row.wait_event}` : "running";
  return `${statementOf(row.query)}: ${wait}`;
}

/**
 * Starts sampling the connections to the database of `databaseUrl`; `stop()` ends it and resolves with
 * the averages. Sampling stops by itself after `limitMs`. A failing sample is skipped.
 */
export function samplePgWaits(
  databaseUrl: string,
  everyMs: number,
  limitMs: number,
): { stop(): Promise<PgWaits>; readonly backendPid: number | undefined } {
  const database = new URL(databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: databaseUrl });
  const totals = new Map<string, number>();
  let samples = 0;
  let stopping = false;
  let backendPid: number | undefined;
  const until = Date.now() + limitMs;
  const loop = (async () => {
    await client.connect();
    backendPid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
    while (!stopping && Date.now() < until) {
      try {
        const { rows } = await client.query(SAMPLE_SQL, [database]);
        samples += 1;
        for (const row of rows) {
          const key = stateOf(row);
          totals.set(key, (totals.get(key) ?? 0) + 1);
        }
      } catch {
        // A sample lost to a busy server is simply not counted.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })().catch(() => {});
  return {
    /** The PostgreSQL backend serving the samples, once connected: its CPU is the sampling's cost. */
    get backendPid(): number | undefined {
      return backendPid;
    },
    async stop(): Promise<PgWaits> {
      stopping = true;
      await loop;
      await client.end().catch(() => {});
      if (backendPid !== undefined) await gone(backendPid, BACKEND_EXIT_LIMIT_MS);
      const connections: Record<string, number> = {};
      for (const [key, count] of [...totals].sort((a, b) => b[1] - a[1])) {
        connections[key] = samples > 0 ? Math.round((100 * count) / samples) / 100 : 0;
      }
      return { samples, connections };
    },
  };
}

/** The states of a PgWaits as one line, biggest first, those under 0.05 connection left out. */
export function describePgWaits(waits: PgWaits): string {
  const parts = Object.entries(waits.connections)
    .filter(([, v]) => v >= 0.05)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`);
  return `${parts.join(", ")} (${waits.samples} samples)`;
}
