import { describe, expect, it } from "vitest";
import { ErrorCode, SwitchyardError } from "../../../core/errors.js";
import { SharedCache } from "./status-cache.js";

/** A cache over a load that counts its calls and answers from `next`, on a clock the test moves. */
function setup(maxAgeMs = 1_000) {
  let now = 10_000;
  let loads = 0;
  let next: () => Promise<string> = async () => `v${loads}`;
  const cache = new SharedCache<string>({
    load: () => {
      loads++;
      return next();
    },
    maxAgeMs,
    timeoutMs: 50,
    now: () => now,
  });
  return {
    cache,
    loads: () => loads,
    advance: (ms: number) => {
      now += ms;
    },
    answer: (fn: () => Promise<string>) => {
      next = fn;
    },
  };
}

describe("SharedCache", () => {
  it("serves one load while it is younger than maxAgeMs, then loads again", async () => {
    const t = setup();
    expect(await t.cache.get()).toEqual({ value: "v1", loadedAtMs: 10_000 });
    t.advance(999);
    expect((await t.cache.get()).value).toBe("v1");
    expect(t.loads()).toBe(1);
    t.advance(1);
    expect(await t.cache.get()).toEqual({ value: "v2", loadedAtMs: 11_000 });
    expect(t.loads()).toBe(2);
  });

  it("shares one load in flight among concurrent callers", async () => {
    const t = setup();
    let release!: (v: string) => void;
    t.answer(() => new Promise((resolve) => (release = resolve)));
    const calls = [t.cache.get(), t.cache.get(), t.cache.get()];
    expect(t.loads()).toBe(1);
    release("shared");
    const values = await Promise.all(calls);
    expect(values.map((v) => v.value)).toEqual(["shared", "shared", "shared"]);
    expect(t.loads()).toBe(1);
  });

  it("does not cache a failure: its callers get the error, the next call loads again", async () => {
    const t = setup();
    const boom = new SwitchyardError(ErrorCode.Unavailable, "router down");
    t.answer(async () => {
      throw boom;
    });
    const results = await Promise.allSettled([t.cache.get(), t.cache.get()]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(t.loads()).toBe(1);
    t.answer(async () => "back");
    expect((await t.cache.get()).value).toBe("back");
    expect(t.loads()).toBe(2);
  });

  it("keeps serving a fresh value while nothing is loading, and replaces it only on success", async () => {
    const t = setup();
    await t.cache.get();
    t.advance(1_000);
    t.answer(async () => {
      throw new Error("flaky");
    });
    await expect(t.cache.get()).rejects.toThrow("flaky");
    t.answer(async () => "later");
    expect((await t.cache.get()).value).toBe("later");
  });

  it("aborts a load that outlives timeoutMs and answers unavailable", async () => {
    const cache = new SharedCache<string>({
      load: (signal) =>
        new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
      maxAgeMs: 1_000,
      timeoutMs: 20,
    });
    const err = await cache.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchyardError);
    expect((err as SwitchyardError).code).toBe(ErrorCode.Unavailable);
  });

  it.each([
    { maxAgeMs: 0, timeoutMs: 1 },
    { maxAgeMs: 1, timeoutMs: 0 },
    { maxAgeMs: 1.5, timeoutMs: 1 },
  ])("rejects bad options %o", (options) => {
    expect(() => new SharedCache({ load: async () => 1, ...options })).toThrow(RangeError);
  });
});
