import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { NodeRecord } from "./directory.js";
import { decodeStored, encodeStored, isNodeRecord } from "./record-codec.js";
import { nodeRecord } from "./records.test-util.js";

const text = fc.string({ maxLength: 12 });
const arbitraryRecord: fc.Arbitrary<NodeRecord> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 12 }),
  name: text,
  operator: text,
  capabilities: fc.array(text, { maxLength: 4 }),
  languages: fc.array(text, { maxLength: 3 }),
  models: fc.array(text, { maxLength: 3 }),
  splittable: fc.array(text, { maxLength: 3 }),
  maxConcurrency: fc.integer({ min: 1, max: 1024 }),
  inFlight: fc.nat(1024),
  draining: fc.boolean(),
  labels: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), text, { maxKeys: 3 }),
  sdkVersion: text,
  routerId: text,
  connectedAtMs: fc.nat(),
  lastSeenAtMs: fc.nat(),
});

describe("stored record codec", () => {
  it("round-trips any record with its load time", () => {
    fc.assert(
      fc.property(arbitraryRecord, fc.nat(), (record, loadAtMs) => {
        expect(decodeStored(encodeStored(record, loadAtMs))).toEqual({ record, loadAtMs });
      }),
    );
  });

  it("falls back to lastSeenAtMs when the load time is missing", () => {
    const record = nodeRecord("n", "r", { lastSeenAtMs: 42 });
    expect(decodeStored(JSON.stringify(record))?.loadAtMs).toBe(42);
  });

  it.each([
    ["not JSON", "{"],
    ["not an object", "[1,2]"],
    ["null", "null"],
    ["an empty id", JSON.stringify(nodeRecord("", "r"))],
    ["a string inFlight", JSON.stringify({ ...nodeRecord("n", "r"), inFlight: "3" })],
    ["a missing routerId", JSON.stringify({ ...nodeRecord("n", "r"), routerId: undefined })],
    ["a number among capabilities", JSON.stringify({ ...nodeRecord("n", "r"), capabilities: ["a", 1] })],
    ["an array of labels", JSON.stringify({ ...nodeRecord("n", "r"), labels: ["a"] })],
  ])("rejects %s without throwing", (_what, value) => {
    expect(decodeStored(value)).toBeUndefined();
  });

  it("recognises records", () => {
    expect(isNodeRecord(nodeRecord("n", "r"))).toBe(true);
    expect(isNodeRecord({ id: "n" })).toBe(false);
    expect(isNodeRecord(undefined)).toBe(false);
  });
});
