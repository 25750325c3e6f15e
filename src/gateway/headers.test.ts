import { describe, expect, it } from "vitest";
import { SwitchyardError } from "../core/errors.js";
import { bearerKey, DEADLINE_HEADER, parseDeadlineHeader } from "./headers.js";

describe("parseDeadlineHeader", () => {
  it("is absent when the header is", () => {
    expect(parseDeadlineHeader(undefined)).toBeUndefined();
    expect(parseDeadlineHeader("")).toBeUndefined();
  });

  it("reads a positive integer", () => {
    expect(parseDeadlineHeader("1500")).toBe(1500);
    expect(parseDeadlineHeader(" 20 ")).toBe(20);
    expect(parseDeadlineHeader(["30"])).toBe(30);
  });

  it.each(["0", "-5", "1.5", "1e3", "abc", "4294967296", "99999999999999999999"])("rejects %j", (value) => {
    try {
      parseDeadlineHeader(value);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SwitchyardError);
      expect((err as SwitchyardError).param).toBe(DEADLINE_HEADER);
      expect((err as SwitchyardError).httpStatus).toBe(400);
    }
  });

  it("rejects a repeated header", () => {
    expect(() => parseDeadlineHeader(["1", "2"])).toThrow(SwitchyardError);
  });
});

describe("bearerKey", () => {
  it("reads the key of a Bearer header, whatever the scheme's case", () => {
    expect(bearerKey("Bearer sy_abc")).toBe("sy_abc");
    expect(bearerKey("bearer   sy_abc ")).toBe("sy_abc");
  });

  it("is undefined for a missing, empty or other-scheme header", () => {
    expect(bearerKey(undefined)).toBeUndefined();
    expect(bearerKey("Bearer ")).toBeUndefined();
    expect(bearerKey("Basic dXNlcg==")).toBeUndefined();
    expect(bearerKey("Bearer a b")).toBeUndefined();
  });
});
