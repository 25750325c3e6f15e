import { describe, expect, it } from "vitest";
import { LocalDirectoryEvents } from "./local-events.js";
import { compileRedisDirectoryOptions, type RedisDirectoryOptions } from "./redis-options.js";
import { escapeGlob } from "./redis-store.js";

const base: RedisDirectoryOptions = {
  url: "redis://127.0.0.1:6379",
  events: new LocalDirectoryEvents(),
  routerId: "r1",
};

describe("compileRedisDirectoryOptions", () => {
  it("applies the documented defaults", () => {
    expect(compileRedisDirectoryOptions(base)).toMatchObject({
      prefix: "sy",
      ttlMs: 120_000,
      resyncIntervalMs: 1_000,
      loadEventIntervalMs: 50,
      touchWriteIntervalMs: 1_000,
      scanCount: 500,
      commandTimeoutMs: 2_000,
    });
  });

  it("writes on touch more often than once a second only when the TTL is short", () => {
    expect(compileRedisDirectoryOptions({ ...base, ttlMs: 300 }).touchWriteIntervalMs).toBe(100);
  });

  it.each<[string, Partial<RedisDirectoryOptions>]>([
    ["no url or client", { url: undefined }],
    ["an empty prefix", { prefix: "" }],
    ["a prefix with a space", { prefix: "a b" }],
    ["no routerId", { routerId: "" }],
    ["a zero TTL", { ttlMs: 0 }],
    ["a fractional resync interval", { resyncIntervalMs: 1.5 }],
    ["a touch interval at the TTL", { ttlMs: 1_000, touchWriteIntervalMs: 1_000 }],
  ])("rejects %s with a RangeError", (_what, override) => {
    expect(() => compileRedisDirectoryOptions({ ...base, ...override })).toThrow(RangeError);
  });
});

describe("escapeGlob", () => {
  it("escapes what SCAN MATCH reads as a pattern", () => {
    expect(escapeGlob("a*b?c[d]e\\f")).toBe("a\\*b\\?c\\[d\\]e\\\\f");
    expect(escapeGlob("sy:node:")).toBe("sy:node:");
  });
});
