import { describe, expect, it } from "vitest";
import { SwitchyardError } from "../../../core/errors.js";
import { DEFAULT_ACCOUNT_NAME, parseAccountName, parseKeyLabel, parsePageQuery } from "./account-request.js";

function paramOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SwitchyardError && err.code === "invalid_argument") return err.param ?? "";
    throw err;
  }
  return undefined;
}

describe("account and key bodies", () => {
  it("reads an optional name and label, absent body included", () => {
    expect(parseAccountName(undefined)).toBe(DEFAULT_ACCOUNT_NAME);
    expect(parseAccountName({})).toBe(DEFAULT_ACCOUNT_NAME);
    expect(parseAccountName({ name: "  " })).toBe(DEFAULT_ACCOUNT_NAME);
    expect(parseAccountName({ name: " alice " })).toBe("alice");
    expect(parseKeyLabel({ label: "ci" })).toBe("ci");
    expect(parseKeyLabel(null)).toBe("");
  });

  it("rejects a body that is not an object and fields that are not strings", () => {
    expect(paramOf(() => parseAccountName([]))).toBe("");
    expect(paramOf(() => parseAccountName({ name: 1 }))).toBe("name");
    expect(paramOf(() => parseKeyLabel({ label: {} }))).toBe("label");
  });
});

describe("parsePageQuery", () => {
  it("reads limit and cursor; empty values count as absent", () => {
    expect(parsePageQuery({})).toEqual({});
    expect(parsePageQuery(undefined)).toEqual({});
    expect(parsePageQuery({ limit: "1" })).toEqual({ limit: 1 });
    expect(parsePageQuery({ limit: "500", cursor: "abc" })).toEqual({ limit: 500, cursor: "abc" });
    expect(parsePageQuery({ limit: "", cursor: "" })).toEqual({});
  });

  it.each([
    [{ limit: "0" }, "limit"],
    [{ limit: "501" }, "limit"],
    [{ limit: "-1" }, "limit"],
    [{ limit: "2.5" }, "limit"],
    [{ limit: "ten" }, "limit"],
    [{ limit: "1e2" }, "limit"],
    [{ limit: ["1", "2"] }, "limit"],
    [{ cursor: ["a", "b"] }, "cursor"],
  ])("rejects %j naming '%s'", (query, param) => {
    expect(paramOf(() => parsePageQuery(query))).toBe(param);
  });
});
