import { type ChildProcess, spawn } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, SwitchyardError } from "../../src/core/errors.js";
import { LocalDirectoryEvents } from "../../src/router/directory/local-events.js";
import { encodeStored } from "../../src/router/directory/record-codec.js";
import { nodeRecord } from "../../src/router/directory/records.test-util.js";
import { RedisDirectory, type RedisDirectoryOptions } from "../../src/router/directory/redis.js";
import type { DirectoryEvent } from "../../src/router/fanout/events.js";
import { freePort, RedisServer, serviceAvailable } from "../helpers/services.js";
import { delay, eventually } from "../helpers/stack.js";

/**
 * A redis-server on a given port (RedisServer picks its own), so a test can stop Redis and bring it
 * back where the clients expect it. Keeps nothing on disk.
 */
export async function startRedisOnPort(port: number): Promise<{ stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  };
  const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null });
  probe.on("error", () => {});
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error("redis-server exited at start");
        try {
          if (probe.status !== "ready") await probe.connect();
          return (await probe.ping()) === "PONG";
        } catch {
          return false;
        }
      },
      10_000,
      `redis-server on port ${port}`,
    );
  } catch (err) {
    await stop();
    throw err;
  } finally {
    probe.disconnect();
  }
  return { stop };
}

const enabled = serviceAvailable("redis-server");

describe.skipIf(!enabled)("RedisDirectory on a real Redis", () => {
  let server: RedisServer;
  let admin: Redis;
  const closers: Array<() => Promise<void>> = [];
  let prefixes = 0;

  /** A prefix of its own for each test, so tests never see each other's keys. */
  const freshPrefix = (): string => `t${++prefixes}`;

  async function directory(
    options: Partial<RedisDirectoryOptions> & { prefix: string },
  ): Promise<RedisDirectory> {
    const dir = await RedisDirectory.create({
      url: server.url,
      events: new LocalDirectoryEvents(),
      routerId: "replica-a",
      resyncIntervalMs: 50,
      ...options,
    });
    closers.push(() => dir.close());
    return dir;
  }

  async function keys(pattern = "*"): Promise<string[]> {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await admin.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== "0");
    return found;
  }

  const connectedClients = async (): Promise<number> =>
    ((await admin.client("LIST")) as string).split("\n").filter((line) => line.trim() !== "").length;

  beforeAll(async () => {
    server = await RedisServer.start();
    admin = new Redis(server.url);
  });

  afterEach(async () => {
    while (closers.length > 0) await closers.pop()?.();
    await eventually(
      async () => (await connectedClients()) === 1,
      5_000,
      "every directory connection closed",
    );
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  it("shows an upsert on A in B's view at once, and a remove on A disappears from B", async () => {
    const prefix = freshPrefix();
    const events = new LocalDirectoryEvents();
    const a = await directory({ prefix, events, routerId: "replica-a" });
    const b = await directory({ prefix, events, routerId: "replica-b" });
    const record = nodeRecord("n1", "replica-a", { capabilities: ["echo", "upper"] });

    await a.upsert(record);
    expect(a.get("n1")).toBe(record);
    expect(a.withCapability("upper")).toEqual([record]);
    expect(b.get("n1")).toEqual(record);
    expect(b.get("n1")).not.toBe(record);
    expect(b.withCapability("upper").map((r) => r.id)).toEqual(["n1"]);
    expect(await admin.exists(`${prefix}:node:n1`)).toBe(1);

    await a.remove("n1");
    expect(a.get("n1")).toBeUndefined();
    expect(b.get("n1")).toBeUndefined();
    expect(b.withCapability("echo")).toEqual([]);
    expect(await admin.exists(`${prefix}:node:n1`)).toBe(0);
  });

  it("carries load to B in coalesced events that always end on the latest values", async () => {
    const prefix = freshPrefix();
    const events = new LocalDirectoryEvents();
    const loads: DirectoryEvent[] = [];
    events.subscribe((event) => {
      if (event.type === "load") loads.push(event);
    });
    const a = await directory({ prefix, events, routerId: "replica-a" });
    const b = await directory({ prefix, events, routerId: "replica-b", resyncIntervalMs: 60_000 });
    const record = nodeRecord("n1", "replica-a");
    await a.upsert(record);

    a.reportLoad("n1", 1, false);
    expect(record.inFlight).toBe(1);
    expect(b.get("n1")?.inFlight).toBe(1);
    for (let i = 2; i <= 20; i++) a.reportLoad("n1", i, i === 20);
    expect(a.get("n1")?.inFlight).toBe(20);
    await eventually(() => b.get("n1")?.inFlight === 20, 2_000, "the trailing load event");
    expect(b.get("n1")?.draining).toBe(true);
    expect(loads.length).toBeLessThanOrEqual(3);
  });

  it("lets B find A's node by resync alone, with no events between them", async () => {
    const prefix = freshPrefix();
    const a = await directory({ prefix, routerId: "replica-a" });
    const b = await directory({ prefix, routerId: "replica-b" });
    await a.upsert(nodeRecord("n1", "replica-a"));
    expect(b.get("n1")).toBeUndefined();
    await eventually(() => b.get("n1") !== undefined, 3_000, "B's resync to find the node");
    a.reportLoad("n1", 2, false);
    a.touch("n1");
    await eventually(() => b.get("n1")?.inFlight === 2, 3_000, "the touched load to reach B");
    await a.remove("n1");
    await eventually(() => b.get("n1") === undefined, 3_000, "B's resync to drop the node");
  });

  it("drops a dead replica's node after its TTL, and keeps a touched one", async () => {
    const prefix = freshPrefix();
    const doomedClient = new Redis(server.url);
    closers.push(async () => doomedClient.disconnect());
    const a = await directory({ prefix, routerId: "replica-a", client: doomedClient, ttlMs: 500 });
    const c = await directory({ prefix, routerId: "replica-c", ttlMs: 500 });
    const b = await directory({ prefix, routerId: "replica-b" });
    await a.upsert(nodeRecord("dies", "replica-a"));
    await c.upsert(nodeRecord("lives", "replica-c"));
    await eventually(() => b.get("dies") !== undefined && b.get("lives") !== undefined, 3_000, "both nodes");

    doomedClient.disconnect(); // replica A loses Redis for good: it can no longer refresh its node
    const until = Date.now() + 1_500; // three TTLs
    while (Date.now() < until) {
      c.touch("lives");
      await delay(100);
    }
    expect(b.get("dies")).toBeUndefined();
    expect(b.get("lives")).toBeDefined();
    expect(a.get("dies")).toBeDefined(); // A still serves its own node locally
    expect(await admin.pttl(`${prefix}:node:lives`)).toBeGreaterThan(0);
  });

  it("writes only keys under its prefix and leaves none after a clean shutdown", async () => {
    const prefix = freshPrefix();
    const other = freshPrefix();
    const events = new LocalDirectoryEvents();
    const a = await directory({ prefix, events, routerId: "replica-a" });
    const b = await directory({ prefix, events, routerId: "replica-b" });
    const elsewhere = await directory({ prefix: other, routerId: "replica-x" });
    await a.upsert(nodeRecord("a1", "replica-a"));
    await a.upsert(nodeRecord("a2", "replica-a"));
    await b.upsert(nodeRecord("b1", "replica-b"));
    await elsewhere.upsert(nodeRecord("x1", "replica-x"));
    a.touch("a1");
    a.reportLoad("a1", 1, false);
    await a.resync();
    await b.resync();

    const all = await keys();
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const key of all) expect(key.startsWith(`${prefix}:`) || key.startsWith(`${other}:`)).toBe(true);
    expect(
      b
        .list()
        .map((r) => r.id)
        .sort(),
    ).toEqual(["a1", "a2", "b1"]);
    expect(elsewhere.list().map((r) => r.id)).toEqual(["x1"]);

    await a.remove("a1");
    await a.close(); // a2 is still held: a clean shutdown deletes it and tells B
    expect(b.get("a2")).toBeUndefined();
    await b.remove("b1");
    await b.close();
    expect(await keys(`${prefix}:*`)).toEqual([]);
    expect(await keys(`${other}:*`)).toEqual([`${other}:node:x1`]);
  });

  it("refreshes and deletes only its own registration when another replica took the node over", async () => {
    const prefix = freshPrefix();
    const a = await directory({ prefix, routerId: "replica-a", touchWriteIntervalMs: 1 });
    const b = await directory({ prefix, routerId: "replica-b" });
    await a.upsert(nodeRecord("moved", "replica-a"));
    await b.upsert(nodeRecord("moved", "replica-b")); // the node reconnected to B
    a.touch("moved");
    await a.remove("moved");
    const stored = JSON.parse((await admin.get(`${prefix}:node:moved`)) ?? "{}") as { routerId?: string };
    expect(stored.routerId).toBe("replica-b");
  });

  it("deletes records that name it but that it does not hold (left by an earlier run)", async () => {
    const prefix = freshPrefix();
    await admin.set(`${prefix}:node:ghost`, encodeStored(nodeRecord("ghost", "replica-a"), 1), "PX", 60_000);
    await admin.set(`${prefix}:node:junk`, "not json", "PX", 60_000);
    const a = await directory({ prefix, routerId: "replica-a" });
    expect(a.get("ghost")).toBeUndefined();
    await eventually(
      async () => (await admin.exists(`${prefix}:node:ghost`)) === 0,
      3_000,
      "the stale key gone",
    );
    expect(await admin.exists(`${prefix}:node:junk`)).toBe(1);
    await admin.del(`${prefix}:node:junk`);
  });

  it("leaves a client it was given open, and refuses upserts after close", async () => {
    const prefix = freshPrefix();
    const client = new Redis(server.url);
    closers.push(async () => void (await client.quit()));
    const a = await directory({ prefix, client });
    await a.close();
    await a.close();
    expect(client.status).toBe("ready");
    await expect(a.upsert(nodeRecord("late", "replica-a"))).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
  });

  it("fails to start with unavailable when Redis cannot be reached", async () => {
    const port = await freePort();
    const started = RedisDirectory.create({
      url: `redis://127.0.0.1:${port}`,
      events: new LocalDirectoryEvents(),
      routerId: "replica-a",
    });
    await expect(started).rejects.toBeInstanceOf(SwitchyardError);
    await expect(started).rejects.toMatchObject({ code: ErrorCode.Unavailable });
  });
});

describe.skipIf(!enabled)("RedisDirectory through a Redis outage", () => {
  it("keeps serving its view while Redis is down and resyncs once it is back", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const port = await freePort();
    let redis = await startRedisOnPort(port);
    const url = `redis://127.0.0.1:${port}`;
    const events = new LocalDirectoryEvents();
    const options = { url, events, prefix: "out", resyncIntervalMs: 50, commandTimeoutMs: 500 };
    const a = await RedisDirectory.create({ ...options, routerId: "replica-a" });
    const b = await RedisDirectory.create({ ...options, routerId: "replica-b" });
    const admin = new Redis({ port, host: "127.0.0.1", retryStrategy: () => 100 });
    admin.on("error", () => {});
    try {
      await a.upsert(nodeRecord("n1", "replica-a"));
      expect(b.get("n1")).toBeDefined();

      await redis.stop();
      await eventually(() => !a.healthy && !b.healthy, 5_000, "both directories to notice the outage");
      expect(b.get("n1")?.routerId).toBe("replica-a");
      await a.upsert(nodeRecord("n2", "replica-a")); // resolves: logged, not thrown
      expect(b.get("n2")).toBeDefined(); // events still flow
      a.reportLoad("n1", 3, false);
      a.touch("n1");
      expect(b.get("n1")?.inFlight).toBe(3);
      await delay(200); // several failed resyncs
      expect(
        b
          .list()
          .map((r) => r.id)
          .sort(),
      ).toEqual(["n1", "n2"]);

      redis = await startRedisOnPort(port); // an empty Redis on the same port
      await eventually(() => a.healthy && b.healthy, 10_000, "both directories to resync again");
      await eventually(
        async () => (await admin.exists("out:node:n1", "out:node:n2")) === 2,
        5_000,
        "A's records",
      );
      await admin.set("out:node:n3", encodeStored(nodeRecord("n3", "replica-c"), Date.now()), "PX", 60_000);
      await eventually(() => b.get("n3") !== undefined, 5_000, "B's resync to see a record written since");
    } finally {
      await a.close();
      await b.close();
      admin.disconnect();
      await redis.stop();
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
