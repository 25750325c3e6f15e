import { afterEach, describe, expect, it } from "vitest";
import { SwitchyardClient } from "../../src/client/client.js";
import { buildGateway } from "../../src/gateway/app.js";
import { testBilling, testLedger } from "../helpers/billing.js";
import { TestStack } from "../helpers/stack.js";

describe("admin HTTP API (/admin/v1)", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  it("answers 401 without a key and 403 for a non-admin key; an admin pauses, reconfigures and resumes", async () => {
    const ledger = await testLedger(stack);
    const { billing, operator } = await testBilling(ledger);
    const router = await stack.router({ billing });
    await stack.node(router, {
      name: "n",
      apiKey: operator.apiKey,
      models: ["m"],
      handlers: { chat: () => "hi" },
    });
    const admin = await ledger.createAccount({ name: "ops", role: "admin" });
    const user = await ledger.createAccount({ name: "user" });
    const backend = new SwitchyardClient({ routers: [router.address] });
    stack.defer(() => backend.close());
    const app = await buildGateway({ backend });
    stack.defer(() => app.close());
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const call = (path: string, key: string | undefined, method = "POST", body?: unknown) =>
      fetch(`${url}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const chat = (key: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }),
      });

    expect((await call("/admin/v1/routing/pause", undefined, "POST", {})).status).toBe(401);
    const forbidden = await call("/admin/v1/routing/pause", user.apiKey, "POST", {});
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: { type: "permission_error" } });

    expect((await call("/admin/v1/routing/pause", admin.apiKey, "POST", { reason: "upgrade" })).status).toBe(
      200,
    );
    const paused = await chat(user.apiKey);
    expect(paused.status).toBe(503);
    expect(await paused.json()).toMatchObject({ error: { type: "service_unavailable" } });
    expect((await call("/admin/v1/routing/resume", admin.apiKey, "POST", {})).status).toBe(200);
    expect((await chat(user.apiKey)).status).toBe(200);

    const changed = await call("/admin/v1/config", admin.apiKey, "PATCH", {
      config: { prices: { chat: 2 } },
      note: "cheap chat",
    });
    expect(changed.status).toBe(200);
    const body = (await changed.json()) as { version: number; config: { prices: Record<string, number> } };
    expect(body.config.prices).toEqual({ chat: 2 });
    const bad = await call("/admin/v1/config", admin.apiKey, "PATCH", { config: { max_attempts: 0 } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { param: "max_attempts" } });
    const versions = (await (await call("/admin/v1/config/versions", admin.apiKey, "GET")).json()) as {
      versions: Array<{ version: number }>;
    };
    expect(versions.versions.map((v) => v.version)).toEqual([body.version]);

    const granted = await call(`/admin/v1/accounts/${user.accountId}/grants`, admin.apiKey, "POST", {
      amount: 50,
      reason: "sorry",
    });
    expect(await granted.json()).toMatchObject({ balance: expect.any(Number) });
    expect(
      (await call(`/admin/v1/accounts/${user.accountId}/grants`, admin.apiKey, "POST", { amount: -5 }))
        .status,
    ).toBe(400);
  });
});
