import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";

describe("backoffDelay", () => {
  it("grows exponentially up to the cap", () => {
    const mid = () => 0.5; // no jitter
    expect(backoffDelay(0, DEFAULT_BACKOFF, mid)).toBe(200);
    expect(backoffDelay(1, DEFAULT_BACKOFF, mid)).toBe(400);
    expect(backoffDelay(3, DEFAULT_BACKOFF, mid)).toBe(1600);
    expect(backoffDelay(30, DEFAULT_BACKOFF, mid)).toBe(10_000);
  });

  it("spreads delays by the jitter share either way", () => {
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0)).toBe(640);
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0.999999)).toBe(960);
  });
});
