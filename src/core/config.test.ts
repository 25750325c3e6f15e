import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseAddressList } from "./config.js";

describe("loadConfig", () => {
  it("has working defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: "127.0.0.1", port: 8080, routerPort: 50051, defaultDeadlineMs: 60_000 });
    expect(c.routerAddresses).toEqual(["127.0.0.1:50051"]);
  });

  it("rejects bad values with a message naming the variable", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(ConfigError);
    expect(() => loadConfig({ DEFAULT_DEADLINE_MS: "9000", MAX_DEADLINE_MS: "10" })).toThrow(
      /DEFAULT_DEADLINE_MS/,
    );
    expect(() => loadConfig({ ROUTER_ADDRESSES: "nohost" })).toThrow(/ROUTER_ADDRESSES/);
  });

  it("parses address lists, IPv6 included", () => {
    expect(parseAddressList("a:1, [::1]:2", "X")).toEqual(["a:1", "[::1]:2"]);
    expect(() => parseAddressList("a:70000", "X")).toThrow(/X/);
  });

  it("reads the metrics port and host, with HOST as the host's default", () => {
    expect(loadConfig({})).toMatchObject({ metricsPort: 9464, metricsHost: "127.0.0.1" });
    expect(loadConfig({ HOST: "0.0.0.0", METRICS_PORT: "0" })).toMatchObject({
      metricsPort: 0,
      metricsHost: "0.0.0.0",
    });
    expect(loadConfig({ HOST: "0.0.0.0", METRICS_HOST: "127.0.0.1" }).metricsHost).toBe("127.0.0.1");
    expect(() => loadConfig({ METRICS_PORT: "99999" })).toThrow(/METRICS_PORT/);
  });
});
