import { describe, expect, it } from "vitest";
import { countChars, estimateTokens, resolveUsage } from "./usage.js";

describe("usage", () => {
  it("counts code points, not UTF-16 units", () => {
    expect(countChars("")).toBe(0);
    expect(countChars("abc")).toBe(3);
    expect(countChars("a😀b")).toBe(3);
  });

  it("estimates a token per four characters, rounded up", () => {
    expect(estimateTokens(0)).toBe(0);
    expect(estimateTokens(1)).toBe(1);
    expect(estimateTokens(4)).toBe(1);
    expect(estimateTokens(5)).toBe(2);
  });

  it("prefers the usage the node reported", () => {
    expect(resolveUsage({ promptTokens: 7, completionTokens: 0 }, 400, 400)).toEqual({
      prompt_tokens: 7,
      completion_tokens: 0,
      total_tokens: 7,
    });
  });

  it("estimates when the node reported none", () => {
    expect(resolveUsage(undefined, 9, 4)).toEqual({
      prompt_tokens: 3,
      completion_tokens: 1,
      total_tokens: 4,
    });
  });
});
