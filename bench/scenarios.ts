/** The HTTP load scenarios: the same chat request at different numbers of concurrent connections. */
export interface Scenario {
  name: string;
  /** Keep-alive connections, each with one request in flight at a time. */
  connections: number;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: "http-chat-c1", connections: 1 },
  { name: "http-chat-c64", connections: 64 },
];

/** The scenario the billing runs repeat with billing on, and compare with its billing-off run. */
export const BILLING_BASE: Scenario = { name: "http-chat-c64", connections: 64 };

/** Billing on, per ledger back-end. PostgreSQL is the production set-up. */
export const BILLING_SCENARIOS = [
  { name: "http-chat-c64-billing", ledger: "postgres" },
  { name: "http-chat-c64-billing-pglite", ledger: "pglite" },
] as const;

/** The read-only endpoints probed while BILLING_BASE's load runs, and against the idle server. */
export const STATUS_SCENARIOS = [
  { name: "status-under-load", endpoint: "gateway GET /api/v1/status" },
  { name: "gateway-metrics-under-load", endpoint: "gateway GET /metrics" },
  { name: "router-metrics-under-load", endpoint: "router GET /metrics (metrics port)" },
] as const;
