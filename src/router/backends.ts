import type { Config } from "../core/config.js";
import type { Logger } from "../core/logger.js";
import type { NodeDirectory } from "./directory/directory.js";
import { RedisDirectory } from "./directory/redis.js";
import type { Bus } from "./fanout/bus.js";
import { NatsBus } from "./fanout/nats-bus.js";

/** The back-ends a router runs on, chosen once at start-up from the configuration. */
export interface RouterBackends {
  directory?: NodeDirectory;
  bus?: Bus;
}

/**
 * Cluster mode when NATS_URL and REDIS_URL are set: the NATS bus and the Redis directory (fed by the
 * bus's directory events). Otherwise the embedded back-ends (the router's defaults).
 */
export async function createRouterBackends(
  config: Config,
  routerId: string,
  logger: Logger,
): Promise<RouterBackends> {
  if (!config.natsUrl || !config.redisUrl) return {};
  const bus = await NatsBus.connect({
    url: config.natsUrl,
    replicaId: routerId,
    prefix: config.prefix,
    logger,
  });
  try {
    const directory = await RedisDirectory.create({
      url: config.redisUrl,
      prefix: config.prefix,
      events: bus,
      routerId,
      ttlMs: config.nodeTtlMs,
      logger,
    });
    return { directory, bus };
  } catch (err) {
    await bus.close();
    throw err;
  }
}
