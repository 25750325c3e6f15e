/** The HTTP load scenarios: the same chat request at different numbers of concurrent connections. */
export interface Scenario {
  name: string;
  /** Keep-alive connections, each with one request in flight at a time. */
  connections: number;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: "http-chat-c1", connections: 1 },
  { name: "http-chat-c64", connections: 64 },
  { name: "http-chat-c256", connections: 256 },
];

/** The load of the billing comparison and of the status probes. */
export const BILLING_BASE: Scenario = { name: "http-chat-c64", connections: 64 };

/** The read-only endpoints probed while BILLING_BASE's load runs, and against the idle server. */
export const STATUS_SCENARIOS = [
  { name: "status-under-load", endpoint: "gateway GET /api/v1/status" },
  { name: "gateway-metrics-under-load", endpoint: "gateway GET /metrics" },
  { name: "router-metrics-under-load", endpoint: "router GET /metrics (metrics port)" },
] as const;
