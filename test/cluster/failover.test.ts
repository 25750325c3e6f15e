import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Ledger } from "../../src/ledger/ledger.js";
import { Billing } from "../../src/router/billing/billing.js";
import { clusterReplica, testPrefix } from "../helpers/cluster.js";
import { PostgresServer, postgresAvailable } from "../helpers/postgres.js";
import { freePort, NatsServer, RedisServer, serviceAvailable } from "../helpers/services.js";
import { eventually, TestStack } from "../helpers/stack.js";

const CLI = fileURLToPath(new URL("../../bin/switchyard.js", import.meta.url));
const enabled = serviceAvailable("nats-server") && serviceAvailable("redis-server");

describe.skipIf(!enabled)("cluster failover over real NATS and Redis", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  async function services() {
    const nats = await NatsServer.start();
    stack.defer(() => nats.stop());
    const redis = await RedisServer.start();
    stack.defer(() => redis.stop());
    return { nats, redis };
  }

  it.skipIf(!postgresAvailable())(
    "drops a killed replica's nodes from the survivor's view; workers with both addresses move to the survivor",
    async () => {
      const { nats, redis } = await services();
      const postgres = await PostgresServer.start();
      stack.defer(() => postgres.stop());
      // Both replicas share one ledger, as a real cluster does.
      const databaseUrl = await postgres.createDatabase();
      const ledger = await Ledger.open({ databaseUrl });
      stack.defer(() => ledger.close());
      const operator = await ledger.createAccount({ name: "operator" });
      const client = await ledger.createAccount({ name: "client" });
      const prefix = testPrefix();
      const survivor = await clusterReplica(stack, nats, redis, {
        prefix,
        id: "survivor",
        resyncIntervalMs: 100,
        billing: new Billing({ ledger }),
      });
      const port = await freePort();
      const doomed = spawn(process.execPath, [CLI, "router", "--port", String(port), "--id", "doomed"], {
        stdio: "ignore",
        env: {
          ...process.env,
          LOG_LEVEL: "silent",
          NATS_URL: nats.url,
          REDIS_URL: redis.url,
          DATABASE_URL: databaseUrl,
          SWITCHYARD_PREFIX: prefix,
          NODE_TTL_MS: "600",
          HEARTBEAT_INTERVAL_MS: "100",
        },
      });
      stack.defer(() => doomed.kill("SIGKILL"));
      const doomedAddress = `127.0.0.1:${port}`;
      const apiKey = operator.apiKey;
      // Only the doomed replica's address: it cannot move.
      const stranded = await stack.node([doomedAddress], {
        name: "stranded",
        apiKey,
        handlers: { echo: (c) => `stranded:${c}` },
      });
      // Both addresses, the doomed one first.
      const mover = await stack.node([doomedAddress, survivor.address], {
        name: "mover",
        apiKey,
        handlers: { echo: (c) => `mover:${c}` },
      });
      await eventually(
        () =>
          survivor.directory.get(stranded.nodeId)?.routerId === "doomed" &&
          survivor.directory.get(mover.nodeId)?.routerId === "doomed",
        10_000,
        "survivor sees both nodes on the doomed replica",
      );

      doomed.kill("SIGKILL");
      await eventually(
        () => survivor.directory.get(mover.nodeId)?.routerId === "survivor",
        10_000,
        "mover on the survivor",
      );
      await eventually(
        () => survivor.directory.get(stranded.nodeId) === undefined,
        10_000,
        "stranded node expired",
      );
      const api = stack.client(survivor, client.apiKey);
      for (let i = 0; i < 10; i++) {
        await expect(api.submit({ capability: "echo", content: String(i) })).resolves.toMatchObject({
          output: `mover:${i}`,
          nodeIds: [mover.nodeId],
        });
      }
    },
    60_000,
  );

  it("keeps routing after NATS restarts mid-run, without restarting the routers", async () => {
    const { nats, redis } = await services();
    const prefix = testPrefix();
    const a = await clusterReplica(stack, nats, redis, { prefix, id: "a" });
    const b = await clusterReplica(stack, nats, redis, { prefix, id: "b" });
    const node = await stack.node(b, { name: "behind-nats", handlers: { echo: (c) => `b:${c}` } });
    await eventually(() => a.directory.get(node.nodeId) !== undefined, 5_000, "A sees the node");
    const client = stack.client(a);
    await expect(client.submit({ capability: "echo", content: "before" })).resolves.toMatchObject({
      output: "b:before",
    });

    await nats.restart(300);

    let after: unknown;
    await eventually(
      async () => {
        try {
          after = await client.submit({ capability: "echo", content: "after", deadlineMs: 2_000 });
          return true;
        } catch {
          return false;
        }
      },
      20_000,
      "a job through NATS after the restart",
    );
    expect(after).toMatchObject({ output: "b:after", nodeIds: [node.nodeId] });
  });
});
