import { describe, expect, it } from "vitest";
import { AuthCache } from "./auth-cache.js";

const alice = { accountId: "acc_a", keyId: "key_a", role: "user" as const };
const aliceToo = { accountId: "acc_a", keyId: "key_a2", role: "admin" as const };
const bob = { accountId: "acc_b", keyId: "key_b", role: "user" as const };

describe("AuthCache", () => {
  it("remembers a principal until its TTL passes", () => {
    let now = 1_000;
    const cache = new AuthCache(5_000, 100, () => now);
    cache.set("h1", alice, cache.epoch);
    expect(cache.get("h1")).toEqual(alice);
    now += 4_999;
    expect(cache.get("h1")).toEqual(alice);
    now += 1;
    expect(cache.get("h1")).toBeUndefined();
  });

  it("drops entries by key or by account", () => {
    const cache = new AuthCache(5_000);
    cache.set("h1", alice, cache.epoch);
    cache.set("h2", aliceToo, cache.epoch);
    cache.set("h3", bob, cache.epoch);
    cache.dropKey("key_a2");
    expect(cache.get("h2")).toBeUndefined();
    expect(cache.get("h1")).toEqual(alice);
    cache.dropAccount("acc_a");
    expect(cache.get("h1")).toBeUndefined();
    expect(cache.get("h3")).toEqual(bob);
  });

  it("does not keep a lookup that started before an invalidation", () => {
    const cache = new AuthCache(5_000);
    const epoch = cache.epoch;
    cache.dropKey("key_a"); // revoked while the lookup was in flight
    cache.set("h1", alice, epoch);
    expect(cache.get("h1")).toBeUndefined();
  });

  it("stays bounded and can be turned off", () => {
    const cache = new AuthCache(5_000, 2);
    cache.set("h1", alice, cache.epoch);
    cache.set("h2", aliceToo, cache.epoch);
    cache.set("h3", bob, cache.epoch);
    expect(cache.get("h1")).toBeUndefined();
    expect(cache.get("h3")).toEqual(bob);
    const off = new AuthCache(0);
    off.set("h1", alice, off.epoch);
    expect(off.get("h1")).toBeUndefined();
  });
});
