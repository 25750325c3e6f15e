import { describe, expect, it } from "vitest";
import { FixedWindowRateLimiter } from "./rate-limiter.js";

function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("FixedWindowRateLimiter", () => {
  it("allows max requests per window, then refuses with the seconds left in the window", () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter({ max: 3, windowMs: 60_000, now: time.now });
    expect([1, 2, 3].map(() => limiter.take("a").allowed)).toEqual([true, true, true]);
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 60 });
    time.advance(20_500);
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 40 });
    time.advance(39_499);
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 1 });
    time.advance(1);
    expect(limiter.take("a")).toEqual({ allowed: true, retryAfterSeconds: 0 });
  });

  it("counts each key on its own", () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter({ max: 1, windowMs: 1_000, now: time.now });
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("b").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
    expect(limiter.take("b").allowed).toBe(false);
  });

  it("never answers a Retry-After below one second", () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter({ max: 1, windowMs: 10, now: time.now });
    limiter.take("a");
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it("forgets closed windows, so memory follows the keys seen in the last window", () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter({ max: 1, windowMs: 1_000, now: time.now });
    for (let i = 0; i < 100; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(100);
    time.advance(1_000);
    limiter.take("fresh");
    expect(limiter.size).toBe(1);
  });

  it("keeps at most maxKeys windows, forgetting the oldest", () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter({ max: 1, windowMs: 60_000, maxKeys: 3, now: time.now });
    for (const key of ["a", "b", "c", "d"]) {
      limiter.take(key);
      time.advance(1);
    }
    expect(limiter.size).toBe(3);
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("d").allowed).toBe(false);
  });

  it.each([
    [{ max: 0, windowMs: 1 }],
    [{ max: 1.5, windowMs: 1 }],
    [{ max: 1, windowMs: 0 }],
    [{ max: 1, windowMs: 1, maxKeys: -1 }],
  ])("rejects %j", (options) => {
    expect(() => new FixedWindowRateLimiter(options)).toThrow(RangeError);
  });
});
