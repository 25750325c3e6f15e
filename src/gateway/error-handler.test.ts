import { describe, expect, it } from "vitest";
import { retryAfterValue, routePath } from "./error-handler.js";

describe("retryAfterValue", () => {
  it("rounds up to whole, non-negative seconds", () => {
    expect(retryAfterValue(2.1)).toBe("3");
    expect(retryAfterValue(5)).toBe("5");
    expect(retryAfterValue(-1)).toBe("0");
    expect(retryAfterValue(Number.NaN)).toBe("0");
  });
});

describe("routePath", () => {
  it("drops the query string and bounds the length", () => {
    expect(routePath("/v1/nope?key=secret")).toBe("/v1/nope");
    expect(routePath(`/${"a".repeat(500)}`)).toHaveLength(203);
  });
});
