import { hostname } from "node:os";

/**
 * Process configuration, read from the environment. `loadConfig` is the only place in src/ that reads
 * process.env; everything else receives values.
 */
export interface Config {
  /** HOST: address the HTTP gateway and the router bind to. Default 127.0.0.1. */
  host: string;
  /** PORT: HTTP port of the gateway. Default 8080. */
  port: number;
  /** ROUTER_PORT: gRPC port of the router. Default 50051. */
  routerPort: number;
  /** ROUTER_ID: this replica's name. Default `<hostname>-<pid>`. */
  routerId: string;
  /** ROUTER_ADDRESSES: comma-separated host:port list the gateway and workers dial. Default 127.0.0.1:50051. */
  routerAddresses: string[];
  /** SWITCHYARD_KEY: the operator API key a worker presents to the router. Default none. */
  apiKey: string | undefined;
  /** UPSTREAM_API_KEY: key the openai-upstream worker sends to its model server. Default none. */
  upstreamApiKey: string | undefined;
  /** LOG_LEVEL: pino level (fatal, error, warn, info, debug, trace, silent). Default info. */
  logLevel: string;
  /** DEFAULT_DEADLINE_MS: deadline of a job that asks for none. Default 60000. */
  defaultDeadlineMs: number;
  /** MAX_DEADLINE_MS: the longest deadline a job may ask for. Default 600000. */
  maxDeadlineMs: number;
  /** QUEUE_LIMIT: tasks (chunks) that may wait for a free node, per capability. Default 10000. */
  queueLimit: number;
  /** MAX_ATTEMPTS: nodes tried for one task before the job fails. Default 3. */
  maxAttempts: number;
  /** HEARTBEAT_INTERVAL_MS: how often nodes report; three missed intervals drop the node. Default 5000. */
  heartbeatIntervalMs: number;
  /** NATS_URL: NATS server(s) for the fan-out bus; set with REDIS_URL for cluster mode. Default none. */
  natsUrl: string | undefined;
  /** REDIS_URL: Redis for the node directory; set with NATS_URL for cluster mode. Default none. */
  redisUrl: string | undefined;
  /** SWITCHYARD_PREFIX: prefix of NATS subjects and Redis keys. Default "sy". */
  prefix: string;
  /** NODE_TTL_MS: a node's directory record expires this long after its last heartbeat. Default 120000. */
  nodeTtlMs: number;
  /** SPLIT_THRESHOLD: content longer than this (characters) is split, for splittable capabilities. Default 1000. */
  splitThreshold: number;
  /** MAX_CHUNKS: most chunks one job is split into. Default 8. */
  maxChunks: number;
  /** DATABASE_URL: PostgreSQL for the ledger. Default none: PGlite in DATA_DIR. */
  databaseUrl: string | undefined;
  /** DATA_DIR: where the embedded PGlite ledger keeps its files ("memory://" keeps nothing). Default ./data. */
  dataDir: string;
  /** DEFAULT_PRICE: credits per chunk of a capability without its own price. Default 10. */
  defaultPrice: number;
  /** PRICES: per-capability prices, "chat=10,echo=5". Default none. */
  prices: Record<string, number>;
  /** HOLD_GRACE_MS: how long a job's hold outlives its deadline before the reaper refunds it. Default 60000. */
  holdGraceMs: number;
  /** BODY_LIMIT_BYTES: largest HTTP request body the gateway accepts. Default 1048576. */
  bodyLimitBytes: number;
  /** METRICS_PORT: port of the router's Prometheus endpoint (GET /metrics); 0 picks a free one. Default 9464. */
  metricsPort: number;
  /** METRICS_HOST: address the router's metrics endpoint binds to. Default HOST. */
  metricsHost: string;
}

const LOG_LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** Thrown by loadConfig when a variable has a bad value; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function strVar(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === "" ? undefined : raw;
}

/** Parses "host:port[,host:port]" into a validated list. */
export function parseAddressList(raw: string, name: string): string[] {
  const list = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (list.length === 0) throw new ConfigError(`${name} must list at least one host:port`);
  for (const address of list) {
    const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(address);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(`${name}: "${address}" is not a host:port address`);
    }
  }
  return list;
}

/** Parses "chat=10,echo=5" into prices; names the variable in its errors. */
export function parsePrices(raw: string | undefined): Record<string, number> {
  const prices: Record<string, number> = {};
  if (raw === undefined) return prices;
  for (const entry of raw
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "")) {
    const match = /^([^=\s]+)=(\d+)$/.exec(entry);
    if (!match) throw new ConfigError(`PRICES entries must be capability=credits, got "${entry}"`);
    prices[match[1] as string] = Number(match[2]);
  }
  return prices;
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = strVar(env, "LOG_LEVEL") ?? "info";
  if (!LOG_LEVELS.has(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(", ")}, got "${logLevel}"`);
  }
  const routerPort = intVar(env, "ROUTER_PORT", 50051, 0, 65535);
  const defaultDeadlineMs = intVar(env, "DEFAULT_DEADLINE_MS", 60_000, 1, 86_400_000);
  const maxDeadlineMs = intVar(env, "MAX_DEADLINE_MS", 600_000, 1, 86_400_000);
  if (defaultDeadlineMs > maxDeadlineMs) {
    throw new ConfigError("DEFAULT_DEADLINE_MS must not be greater than MAX_DEADLINE_MS");
  }
  const natsUrl = strVar(env, "NATS_URL");
  const redisUrl = strVar(env, "REDIS_URL");
  if ((natsUrl === undefined) !== (redisUrl === undefined)) {
    throw new ConfigError(
      "NATS_URL and REDIS_URL must be set together (cluster mode) or not at all (embedded)",
    );
  }
  if (natsUrl !== undefined && !/^(nats|tls|wss?):\/\//.test(natsUrl.split(",")[0] ?? "")) {
    throw new ConfigError(`NATS_URL must be a nats:// URL, got "${natsUrl}"`);
  }
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL must be a redis:// URL, got "${redisUrl}"`);
  }
  const prefix = strVar(env, "SWITCHYARD_PREFIX") ?? "sy";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
    throw new ConfigError(`SWITCHYARD_PREFIX must be 1 to 64 letters, digits, "_" or "-", got "${prefix}"`);
  }
  const databaseUrl = strVar(env, "DATABASE_URL");
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL must be a postgres:// URL");
  }
  const host = strVar(env, "HOST") ?? "127.0.0.1";
  return {
    databaseUrl,
    dataDir: strVar(env, "DATA_DIR") ?? "./data",
    defaultPrice: intVar(env, "DEFAULT_PRICE", 10, 0, 1_000_000_000),
    prices: parsePrices(strVar(env, "PRICES")),
    holdGraceMs: intVar(env, "HOLD_GRACE_MS", 60_000, 1_000, 86_400_000),
    natsUrl,
    redisUrl,
    prefix,
    nodeTtlMs: intVar(env, "NODE_TTL_MS", 120_000, 100, 86_400_000),
    splitThreshold: intVar(env, "SPLIT_THRESHOLD", 1_000, 1, 100_000_000),
    maxChunks: intVar(env, "MAX_CHUNKS", 8, 1, 1_024),
    host,
    port: intVar(env, "PORT", 8080, 0, 65535),
    routerPort,
    routerId: strVar(env, "ROUTER_ID") ?? `${hostname()}-${process.pid}`,
    routerAddresses: parseAddressList(
      strVar(env, "ROUTER_ADDRESSES") ?? `127.0.0.1:${routerPort === 0 ? 50051 : routerPort}`,
      "ROUTER_ADDRESSES",
    ),
    apiKey: strVar(env, "SWITCHYARD_KEY"),
    upstreamApiKey: strVar(env, "UPSTREAM_API_KEY"),
    logLevel,
    defaultDeadlineMs,
    maxDeadlineMs,
    queueLimit: intVar(env, "QUEUE_LIMIT", 10_000, 0, 10_000_000),
    maxAttempts: intVar(env, "MAX_ATTEMPTS", 3, 1, 100),
    heartbeatIntervalMs: intVar(env, "HEARTBEAT_INTERVAL_MS", 5_000, 50, 600_000),
    bodyLimitBytes: intVar(env, "BODY_LIMIT_BYTES", 1_048_576, 1024, 1_073_741_824),
    metricsPort: intVar(env, "METRICS_PORT", 9464, 0, 65535),
    metricsHost: strVar(env, "METRICS_HOST") ?? host,
  };
}
