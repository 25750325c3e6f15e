import { randomUUID } from "node:crypto";
import { RedisDirectory } from "../../src/router/directory/redis.js";
import { NatsBus } from "../../src/router/fanout/nats-bus.js";
import type { RouterOptions } from "../../src/router/options.js";
import type { Router } from "../../src/router/router.js";
import type { NatsServer, RedisServer } from "./services.js";
import type { TestStack } from "./stack.js";

export interface ClusterReplicaOptions extends RouterOptions {
  /** Shared by every replica of one cluster; a fresh one per test keeps tests apart. */
  prefix: string;
  nodeTtlMs?: number;
  resyncIntervalMs?: number;
  busHeartbeatMs?: number;
}

/** A unique prefix for one test's cluster. */
export const testPrefix = (): string => `t${randomUUID().slice(0, 8)}`;

/** A router replica on real NATS and Redis, closed with the stack. */
export async function clusterReplica(
  stack: TestStack,
  nats: NatsServer,
  redis: RedisServer,
  options: ClusterReplicaOptions,
): Promise<Router> {
  const { prefix, nodeTtlMs, resyncIntervalMs, busHeartbeatMs, ...routerOptions } = options;
  const id = routerOptions.id ?? `replica-${randomUUID().slice(0, 6)}`;
  const bus = await NatsBus.connect({
    url: nats.url,
    replicaId: id,
    prefix,
    ...(busHeartbeatMs === undefined ? {} : { heartbeatIntervalMs: busHeartbeatMs }),
  });
  const directory = await RedisDirectory.create({
    url: redis.url,
    prefix,
    events: bus,
    routerId: id,
    ...(nodeTtlMs === undefined ? {} : { ttlMs: nodeTtlMs }),
    ...(resyncIntervalMs === undefined ? {} : { resyncIntervalMs }),
  });
  return stack.router({ ...routerOptions, id, bus, directory });
}
