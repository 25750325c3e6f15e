import { parseAddressList } from "../core/config.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import { type BackoffPolicy, DEFAULT_BACKOFF } from "./backoff.js";
import type { TaskHandler } from "./types.js";

/** Options of a worker node. Defaults are documented on each field. */
export interface NodeOptions {
  /** Stable name; with the operator's account it is the node's identity. 1..128 characters. */
  name: string;
  /** Router addresses, "host:port" (a list or a comma-separated string). Tried in turn on failure. */
  routers: string | string[];
  /** The operator's API key, sent as `authorization: Bearer <key>`. Default none. */
  apiKey?: string;
  /** Capabilities to advertise. Default: those with a handler. */
  capabilities?: string[];
  /** Languages handled. Default none (any). */
  languages?: string[];
  /** Models served, for chat and completion jobs. Default none. */
  models?: string[];
  /** Capabilities whose content may be split into chunks. Default none. */
  splittable?: string[];
  /** Free-form labels. Default none. */
  labels?: Record<string, string>;
  /** Most tasks run at once, 1..1024. Default 4. */
  concurrency?: number;
  /** Handlers by capability; more can be added with handle() before start(). */
  handlers?: Record<string, TaskHandler>;
  /** Default a silent logger. */
  logger?: Logger;
  /** Reconnect back-off. Default 200 ms doubling to 10 s, ±20 % jitter. */
  reconnect?: Partial<BackoffPolicy>;
  /** How long stop() waits for running tasks before aborting them. Default 30 000 ms. */
  drainTimeoutMs?: number;
}

export interface NodeSettings {
  name: string;
  routers: string[];
  apiKey: string | undefined;
  capabilities: string[] | undefined;
  languages: string[];
  models: string[];
  splittable: string[];
  labels: Record<string, string>;
  concurrency: number;
  logger: Logger;
  reconnect: BackoffPolicy;
  drainTimeoutMs: number;
}

/** Applies defaults and checks values; throws RangeError naming the bad option. */
export function compileNodeOptions(options: NodeOptions): NodeSettings {
  const name = options.name?.trim() ?? "";
  if (name === "" || options.name.length > 128)
    throw new RangeError("NodeOptions.name must be 1 to 128 characters");
  const routers = Array.isArray(options.routers)
    ? options.routers.flatMap((r) => parseAddressList(r, "NodeOptions.routers"))
    : parseAddressList(options.routers ?? "", "NodeOptions.routers");
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
    throw new RangeError("NodeOptions.concurrency must be an integer from 1 to 1024");
  }
  const reconnect = { ...DEFAULT_BACKOFF, ...options.reconnect };
  if (
    reconnect.initialDelayMs < 0 ||
    reconnect.maxDelayMs < reconnect.initialDelayMs ||
    reconnect.multiplier < 1
  ) {
    throw new RangeError("NodeOptions.reconnect is inconsistent");
  }
  return {
    name: options.name,
    routers,
    apiKey: options.apiKey,
    capabilities: options.capabilities,
    languages: options.languages ?? [],
    models: options.models ?? [],
    splittable: options.splittable ?? [],
    labels: options.labels ?? {},
    concurrency,
    logger: options.logger ?? silentLogger(),
    reconnect,
    drainTimeoutMs: options.drainTimeoutMs ?? 30_000,
  };
}
