import type { Redis } from "ioredis";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import type { DirectoryEvents } from "../fanout/events.js";

/** Options of RedisDirectory.create(). Defaults are documented on each field. */
export interface RedisDirectoryOptions {
  /** Redis URL (`redis://host:port/db`). Either this or `client` is required. */
  url?: string;
  /**
   * An existing ioredis client (not a Cluster, and without `keyPrefix`). The directory uses it but
   * never quits it. Takes precedence over `url`.
   */
  client?: Redis;
  /** Prefix of every key the directory writes (`<prefix>:node:<id>`). Default "sy". */
  prefix?: string;
  /** The channel to the other replicas (up / down / load events). */
  events: DirectoryEvents;
  /** This replica's id; records it holds carry it as `routerId`. Must be unique in the cluster. */
  routerId: string;
  /** A stored record expires this long after its holder last touched it. Default 120 000 ms. */
  ttlMs?: number;
  /** How often the local view is replaced with what Redis holds. Default 1 000 ms. */
  resyncIntervalMs?: number;
  /** Least time between two load events for the same node. Default 50 ms. */
  loadEventIntervalMs?: number;
  /**
   * Least time between two writes of the same node's record on touch. Must be below `ttlMs`.
   * Default 1 000 ms, or a third of `ttlMs` when that is shorter.
   */
  touchWriteIntervalMs?: number;
  /** Keys asked for per SCAN call. Default 500. */
  scanCount?: number;
  /** Connect and command timeout of a client created from `url`. Default 2 000 ms. */
  commandTimeoutMs?: number;
  /** Default a silent logger. */
  logger?: Logger;
}

/** RedisDirectoryOptions with every default applied and every value checked. */
export interface RedisDirectorySettings {
  url: string | undefined;
  client: Redis | undefined;
  prefix: string;
  events: DirectoryEvents;
  routerId: string;
  ttlMs: number;
  resyncIntervalMs: number;
  loadEventIntervalMs: number;
  touchWriteIntervalMs: number;
  scanCount: number;
  commandTimeoutMs: number;
  logger: Logger;
}

/** Applies the defaults and validates; throws RangeError naming the bad option. */
export function compileRedisDirectoryOptions(options: RedisDirectoryOptions): RedisDirectorySettings {
  if (!options.client && !options.url) throw new RangeError("RedisDirectoryOptions needs url or client");
  if (options.client?.options.keyPrefix) {
    throw new RangeError("RedisDirectoryOptions.client must not set keyPrefix; use prefix instead");
  }
  const prefix = options.prefix ?? "sy";
  if (prefix.length === 0 || /\s/.test(prefix)) {
    throw new RangeError("RedisDirectoryOptions.prefix must be non-empty and contain no whitespace");
  }
  if (!options.routerId) throw new RangeError("RedisDirectoryOptions.routerId is required");
  const ttlMs = positive("ttlMs", options.ttlMs, 120_000);
  const touchWriteIntervalMs = positive(
    "touchWriteIntervalMs",
    options.touchWriteIntervalMs,
    Math.max(1, Math.min(1_000, Math.floor(ttlMs / 3))),
  );
  if (touchWriteIntervalMs >= ttlMs) {
    throw new RangeError("RedisDirectoryOptions.touchWriteIntervalMs must be below ttlMs");
  }
  return {
    url: options.url,
    client: options.client,
    prefix,
    events: options.events,
    routerId: options.routerId,
    ttlMs,
    resyncIntervalMs: positive("resyncIntervalMs", options.resyncIntervalMs, 1_000),
    loadEventIntervalMs: positive("loadEventIntervalMs", options.loadEventIntervalMs, 50),
    touchWriteIntervalMs,
    scanCount: positive("scanCount", options.scanCount, 500),
    commandTimeoutMs: positive("commandTimeoutMs", options.commandTimeoutMs, 2_000),
    logger: options.logger ?? silentLogger(),
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`RedisDirectoryOptions.${name} must be a positive integer`);
  }
  return value;
}
