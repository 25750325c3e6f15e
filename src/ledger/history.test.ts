import { describe, expect, it } from "vitest";
import { SwitchyardError } from "../core/errors.js";
import { decodeCursor, encodeCursor } from "./history.js";

describe("transaction cursors", () => {
  it("round-trip an id as opaque base64url", () => {
    for (const id of ["1", "42", "9223372036854775807"]) {
      const cursor = encodeCursor(id);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toBe(id);
    }
  });

  it("reject anything else as invalid_argument", () => {
    const bad = [
      "",
      "!!!",
      Buffer.from("[]").toString("base64url"),
      Buffer.from('{"v":2,"id":"5"}').toString("base64url"),
      Buffer.from('{"v":1,"id":"0"}').toString("base64url"),
      Buffer.from('{"v":1,"id":"5 OR 1=1"}').toString("base64url"),
      Buffer.from('{"v":1,"id":5}').toString("base64url"),
    ];
    for (const cursor of bad) {
      expect(() => decodeCursor(cursor)).toThrow(SwitchyardError);
    }
  });
});
