import { describe, expect, it } from "vitest";
import { buildGateway, type GatewayOptions } from "../app.js";
import { unreachableBackend } from "../unreachable-backend.test-util.js";

async function get(url: string, isReady?: GatewayOptions["isReady"]) {
  const options: GatewayOptions = { backend: unreachableBackend() };
  if (isReady !== undefined) options.isReady = isReady;
  const app = await buildGateway(options);
  try {
    return await app.inject({ method: "GET", url });
  } finally {
    await app.close();
  }
}

describe("health routes", () => {
  it("/healthz answers ok", async () => {
    const res = await get("/healthz");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("/readyz answers ready by default", async () => {
    const res = await get("/readyz");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ready" });
  });

  it("/readyz answers ready when isReady resolves true", async () => {
    expect((await get("/readyz", async () => true)).statusCode).toBe(200);
  });

  it("/readyz answers 503 with an OpenAI body when not ready", async () => {
    const res = await get("/readyz", () => false);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      error: {
        message: "The gateway is not ready.",
        type: "service_unavailable",
        code: "service_unavailable",
        param: null,
      },
    });
  });

  it("/readyz answers 503 when isReady throws", async () => {
    const res = await get("/readyz", async () => {
      throw new Error("database down");
    });
    expect(res.statusCode).toBe(503);
    expect(JSON.stringify(res.json())).not.toContain("database");
  });
});
