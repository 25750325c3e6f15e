import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/core/errors.js";
import { testBilling, testLedger } from "../helpers/billing.js";
import { eventually, gate, TestStack } from "../helpers/stack.js";

describe("admin controls over gRPC", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  async function setup() {
    const ledger = await testLedger(stack);
    const { billing, operator } = await testBilling(ledger);
    const router = await stack.router({ billing });
    const admin = await ledger.createAccount({ name: "ops", role: "admin" });
    const client = await ledger.createAccount({ name: "client" });
    return {
      ledger,
      router,
      operator,
      client,
      adminApi: stack.client(router, admin.apiKey),
      clientApi: stack.client(router, client.apiKey),
    };
  }

  it("refuses a non-admin key with PERMISSION_DENIED and no key with UNAUTHENTICATED", async () => {
    const { router, clientApi } = await setup();
    await expect(clientApi.pauseRouting("no", {})).rejects.toMatchObject({
      code: ErrorCode.PermissionDenied,
    });
    await expect(clientApi.getConfig({})).rejects.toMatchObject({ code: ErrorCode.PermissionDenied });
    await expect(stack.client(router).grantCredits("acc", 5, "", {})).rejects.toMatchObject({
      code: ErrorCode.Unauthenticated,
    });
    expect(router.paused).toBe(false);
  });

  it("drains a node: it finishes its work and gets nothing new, while staying connected", async () => {
    const { router, operator, adminApi, clientApi } = await setup();
    const release = gate();
    const draining = await stack.node(router, {
      name: "draining",
      apiKey: operator.apiKey,
      languages: ["en"],
      handlers: { echo: (c) => release.promise.then(() => `draining:${c}`) },
    });
    const other = await stack.node(router, {
      name: "other",
      apiKey: operator.apiKey,
      languages: ["fr"],
      handlers: { echo: (c) => `other:${c}` },
    });
    const running = clientApi.submit({ capability: "echo", content: "first", language: "en" });
    await eventually(() => draining.inFlight === 1, 5_000, "task on the node to drain");
    await adminApi.drainNode(draining.nodeId, {});
    expect(router.directory.get(draining.nodeId)?.draining).toBe(true);
    for (let i = 0; i < 5; i++) {
      await expect(
        clientApi.submit({ capability: "echo", content: String(i), language: "en" }),
      ).resolves.toMatchObject({
        nodeIds: [other.nodeId],
      });
    }
    release.open();
    await expect(running).resolves.toMatchObject({ output: "draining:first", nodeIds: [draining.nodeId] });
    expect(router.session(draining.nodeId)?.isClosed).toBe(false);
    await expect(adminApi.drainNode("nd_unknown", {})).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it("pauses routing: new jobs get UNAVAILABLE while running ones finish; resume lets them in again", async () => {
    const { router, operator, adminApi, clientApi } = await setup();
    const release = gate();
    await stack.node(router, {
      name: "n",
      apiKey: operator.apiKey,
      handlers: { echo: (c) => release.promise.then(() => c) },
    });
    const running = clientApi.submit({ capability: "echo", content: "in flight" });
    await eventually(() => router.activeJobs === 1, 5_000, "job running");
    await adminApi.pauseRouting("maintenance", {});
    await expect(clientApi.submit({ capability: "echo", content: "late" })).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
      message: expect.stringContaining("maintenance"),
    });
    release.open();
    await expect(running).resolves.toMatchObject({ output: "in flight" });
    await adminApi.resumeRouting({});
    await expect(clientApi.submit({ capability: "echo", content: "again" })).resolves.toMatchObject({
      output: "again",
    });
  });

  it("grants credits and suspends and restores accounts", async () => {
    const { ledger, router, operator, client, adminApi, clientApi } = await setup();
    await stack.node(router, { name: "n", apiKey: operator.apiKey, handlers: { echo: (c) => c } });
    expect(await adminApi.grantCredits(client.accountId, 250, "welcome bonus", {})).toBe(1250);
    const newest = (await ledger.transactions(client.accountId, {})).items[0];
    expect(newest).toMatchObject({ kind: "grant", amount: 250, note: "welcome bonus" });
    await adminApi.setAccountSuspended(client.accountId, true, {});
    await expect(clientApi.submit({ capability: "echo", content: "x" })).rejects.toMatchObject({
      code: ErrorCode.PermissionDenied,
    });
    await adminApi.setAccountSuspended(client.accountId, false, {});
    await expect(clientApi.submit({ capability: "echo", content: "x" })).resolves.toMatchObject({
      output: "x",
    });
  });

  it("versions the routing configuration, applies changes at once and rolls back", async () => {
    const { ledger, router, operator, client, adminApi, clientApi } = await setup();
    await stack.node(router, { name: "n", apiKey: operator.apiKey, handlers: { echo: (c) => c } });
    const start = await adminApi.getConfig({});
    expect(start.version).toBe(0);
    expect(start.config.defaultPrice).toBe(10);
    const v1 = await adminApi.updateConfig(
      { ...start.config, defaultPrice: 4, maxAttempts: 5 },
      "cheaper",
      {},
    );
    expect(v1.version).toBeGreaterThan(0);
    await expect(clientApi.submit({ capability: "echo", content: "x" })).resolves.toMatchObject({ cost: 4 });
    const v2 = await adminApi.updateConfig({ ...v1.config, defaultPrice: 7 }, "dearer", {});
    await expect(clientApi.submit({ capability: "echo", content: "x" })).resolves.toMatchObject({ cost: 7 });
    const back = await adminApi.rollbackConfig(v1.version, {});
    expect(back.version).toBeGreaterThan(v2.version);
    expect(back.config).toEqual(v1.config);
    expect(back.note).toContain(`version ${v1.version}`);
    await expect(clientApi.submit({ capability: "echo", content: "x" })).resolves.toMatchObject({ cost: 4 });
    const history = await adminApi.listConfigVersions(10, {});
    expect(history.map((v) => v.version)).toEqual([back.version, v2.version, v1.version]);
    expect(router.settings.maxAttempts).toBe(5);
    await expect(adminApi.updateConfig({ ...v1.config, maxAttempts: 0 }, "bad", {})).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      param: "max_attempts",
    });
    await expect(adminApi.rollbackConfig(9999, {})).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await ledger.flushSettlements();
    expect((await ledger.balance(client.accountId)).balance).toBe(1000 - 4 - 7 - 4);
  });

  it("settles a job at the price it was held at, even when an admin changes prices meanwhile", async () => {
    const { ledger, router, operator, client, adminApi, clientApi } = await setup();
    const release = gate();
    await stack.node(router, {
      name: "n",
      apiKey: operator.apiKey,
      handlers: { echo: (c) => release.promise.then(() => c) },
    });
    const running = clientApi.submit({ capability: "echo", content: "x" });
    await eventually(() => router.activeJobs === 1, 5_000, "job running");
    const current = await adminApi.getConfig({});
    await adminApi.updateConfig({ ...current.config, defaultPrice: 25 }, "dearer", {});
    release.open();
    await expect(running).resolves.toMatchObject({ cost: 10 });
    await ledger.flushSettlements();
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 990, held: 0 });
    expect(await ledger.balance(operator.accountId)).toMatchObject({ earned: 10 });
  });

  it("disconnects the nodes of a suspended operator, which cannot register again", async () => {
    const { ledger, router, operator, adminApi, clientApi } = await setup();
    const node = await stack.node(router, {
      name: "n",
      apiKey: operator.apiKey,
      handlers: { echo: (c) => c },
    });
    await adminApi.setAccountSuspended(operator.accountId, true, {});
    await eventually(() => node.state === "stopped", 10_000, "node refused and stopped");
    expect(router.directory.get(node.nodeId)).toBeUndefined();
    await expect(clientApi.submit({ capability: "echo", content: "x" })).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    expect((await ledger.balance(operator.accountId)).earned).toBe(0);
  });
});
