import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { clusterReplica, testPrefix } from "../helpers/cluster.js";
import { NatsServer, RedisServer, serviceAvailable } from "../helpers/services.js";
import { eventually, TestStack } from "../helpers/stack.js";

const enabled = serviceAvailable("nats-server") && serviceAvailable("redis-server");

async function allKeys(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}

describe.skipIf(!enabled)("Redis keys of the node directory", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  it("writes only keys under the prefix, and leaves none once every node disconnected cleanly", async () => {
    const nats = await NatsServer.start();
    stack.defer(() => nats.stop());
    const redisServer = await RedisServer.start();
    stack.defer(() => redisServer.stop());
    const redis = new Redis(redisServer.url);
    stack.defer(() => redis.quit());
    const prefix = testPrefix();
    const a = await clusterReplica(stack, nats, redisServer, { prefix, id: "a" });
    const b = await clusterReplica(stack, nats, redisServer, { prefix, id: "b" });
    const nodes = [
      await stack.node(a, { name: "k1", handlers: { echo: (c) => c } }),
      await stack.node(b, { name: "k2", handlers: { echo: (c) => c } }),
      await stack.node(b, { name: "k3", handlers: { echo: (c) => c } }),
    ];
    await stack.client(a).submit({ capability: "echo", content: "x" });
    const keys = await allKeys(redis);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect(keys.every((k) => k.startsWith(`${prefix}:`))).toBe(true);
    for (const node of nodes) await node.stop();
    await eventually(async () => (await allKeys(redis)).length === 0, 5_000, "no keys left");
  });
});
