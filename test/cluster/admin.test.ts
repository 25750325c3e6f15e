import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/core/errors.js";
import { Ledger } from "../../src/ledger/ledger.js";
import { Billing } from "../../src/router/billing/billing.js";
import { clusterReplica, testPrefix } from "../helpers/cluster.js";
import { PostgresServer, postgresAvailable } from "../helpers/postgres.js";
import { NatsServer, RedisServer, serviceAvailable } from "../helpers/services.js";
import { eventually, TestStack } from "../helpers/stack.js";

const enabled = serviceAvailable("nats-server") && serviceAvailable("redis-server") && postgresAvailable();

describe.skipIf(!enabled)("admin changes across replicas (NATS, Redis, PostgreSQL)", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  it("applies a configuration change and a pause made through replica A on replica B, and rolls back", async () => {
    const nats = await NatsServer.start();
    stack.defer(() => nats.stop());
    const redis = await RedisServer.start();
    stack.defer(() => redis.stop());
    const postgres = await PostgresServer.start();
    stack.defer(() => postgres.stop());
    const databaseUrl = await postgres.createDatabase();
    // Each replica has its own ledger connection to the shared database, as separate processes would.
    const ledgerA = await Ledger.open({ databaseUrl });
    stack.defer(() => ledgerA.close());
    const ledgerB = await Ledger.open({ databaseUrl });
    stack.defer(() => ledgerB.close());
    const prefix = testPrefix();
    const a = await clusterReplica(stack, nats, redis, {
      prefix,
      id: "a",
      billing: new Billing({ ledger: ledgerA }),
    });
    const b = await clusterReplica(stack, nats, redis, {
      prefix,
      id: "b",
      billing: new Billing({ ledger: ledgerB }),
    });
    const operator = await ledgerA.createAccount({ name: "operator" });
    const admin = await ledgerA.createAccount({ name: "ops", role: "admin" });
    const client = await ledgerA.createAccount({ name: "client" });
    await stack.node(b, { name: "worker", apiKey: operator.apiKey, handlers: { echo: (c) => c } });
    const adminA = stack.client(a, admin.apiKey);
    const adminB = stack.client(b, admin.apiKey);
    const onB = stack.client(b, client.apiKey);
    await expect(onB.submit({ capability: "echo", content: "x" })).resolves.toMatchObject({ cost: 10 });

    const start = await adminA.getConfig({});
    const v1 = await adminA.updateConfig({ ...start.config, defaultPrice: 3 }, "sale", {});
    await eventually(
      async () => (await adminB.getConfig({})).version === v1.version,
      5_000,
      "B on version 1",
    );
    await expect(onB.submit({ capability: "echo", content: "x" })).resolves.toMatchObject({ cost: 3 });

    const v2 = await adminA.updateConfig({ ...v1.config, defaultPrice: 6 }, "sale over", {});
    await eventually(
      async () => (await adminB.getConfig({})).version === v2.version,
      5_000,
      "B on version 2",
    );
    await expect(onB.submit({ capability: "echo", content: "x" })).resolves.toMatchObject({ cost: 6 });

    const back = await adminB.rollbackConfig(v1.version, {});
    await eventually(
      async () => (await adminA.getConfig({})).version === back.version,
      5_000,
      "A on the rollback",
    );
    expect((await adminA.getConfig({})).config.defaultPrice).toBe(3);
    await expect(onB.submit({ capability: "echo", content: "x" })).resolves.toMatchObject({ cost: 3 });

    await adminA.pauseRouting("upgrade", {});
    await eventually(() => b.paused, 5_000, "B paused");
    await expect(onB.submit({ capability: "echo", content: "x" })).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
    await adminA.resumeRouting({});
    await eventually(() => !b.paused, 5_000, "B resumed");
    await expect(onB.submit({ capability: "echo", content: "x" })).resolves.toMatchObject({ cost: 3 });
  }, 60_000);
});
