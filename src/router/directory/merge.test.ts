import { describe, expect, it } from "vitest";
import type { NodeRecord } from "./directory.js";
import { mergeSnapshot, type RemoteEntry, sameRegistration } from "./merge.js";
import { encodeStored } from "./record-codec.js";
import { nodeRecord } from "./records.test-util.js";

const SELF = "me";

function stored(record: NodeRecord, loadAtMs: number): string {
  return encodeStored(record, loadAtMs);
}

function merge(
  current: Map<string, RemoteEntry>,
  snapshot: Map<string, string>,
  extra: { local?: Set<string>; recentlyChanged?: Set<string> } = {},
) {
  return mergeSnapshot({
    selfRouterId: SELF,
    current,
    snapshot,
    local: extra.local ?? new Set(),
    recentlyChanged: extra.recentlyChanged ?? new Set(),
  });
}

describe("mergeSnapshot", () => {
  it("takes what Redis holds and drops what it no longer holds", () => {
    const gone = nodeRecord("gone", "other");
    const current = new Map([["gone", { record: gone, loadAtMs: 1 }]]);
    const fresh = nodeRecord("fresh", "other");
    const result = merge(current, new Map([["fresh", stored(fresh, 5)]]));
    expect([...result.remote.keys()]).toEqual(["fresh"]);
    expect(result.remote.get("fresh")).toMatchObject({ record: fresh, loadAtMs: 5 });
  });

  it("keeps the very entry (and the load events put in it) when the stored value did not change", () => {
    const record = nodeRecord("n", "other");
    const raw = stored(record, 5);
    const entry: RemoteEntry = { record: { ...record, inFlight: 3 }, loadAtMs: 9, raw };
    const result = merge(new Map([["n", entry]]), new Map([["n", raw]]));
    expect(result.remote.get("n")).toBe(entry);
  });

  it("keeps load from events newer than the stored copy of the same registration", () => {
    const record = nodeRecord("n", "other", { inFlight: 1 });
    const current = new Map([["n", { record: { ...record, inFlight: 4, draining: true }, loadAtMs: 20 }]]);
    const result = merge(current, new Map([["n", stored({ ...record, name: "renamed" }, 10)]]));
    expect(result.remote.get("n")?.record).toMatchObject({ name: "renamed", inFlight: 4, draining: true });
    expect(result.remote.get("n")?.loadAtMs).toBe(20);
  });

  it("takes the stored load when it is newer, or when it belongs to another registration", () => {
    const record = nodeRecord("n", "other", { connectedAtMs: 100 });
    const current = new Map([["n", { record: { ...record, inFlight: 4 }, loadAtMs: 20 }]]);
    const newer = merge(current, new Map([["n", stored({ ...record, inFlight: 2 }, 30)]]));
    expect(newer.remote.get("n")?.record.inFlight).toBe(2);
    const reconnected = { ...record, connectedAtMs: 200, inFlight: 0 };
    const other = merge(current, new Map([["n", stored(reconnected, 5)]]));
    expect(other.remote.get("n")?.record.inFlight).toBe(0);
  });

  it("lets a recent up or down event win over the snapshot", () => {
    const up = nodeRecord("up", "other");
    const current = new Map([["up", { record: up, loadAtMs: 1 }]]);
    const snapshot = new Map([["down", stored(nodeRecord("down", "other"), 1)]]);
    const result = merge(current, snapshot, { recentlyChanged: new Set(["up", "down"]) });
    expect(result.remote.get("up")?.record).toBe(up);
    expect(result.remote.has("down")).toBe(false);
  });

  it("never puts records naming this replica in the remote view; reports the ones it does not hold", () => {
    const snapshot = new Map([
      ["held", stored(nodeRecord("held", SELF), 1)],
      ["stale", stored(nodeRecord("stale", SELF, { connectedAtMs: 77 }), 1)],
    ]);
    const result = merge(new Map(), snapshot, { local: new Set(["held", "lost"]) });
    expect(result.remote.size).toBe(0);
    expect(result.staleOwn).toEqual([{ id: "stale", connectedAtMs: 77 }]);
    expect(result.missingLocal).toEqual(["lost"]);
  });

  it("keeps another replica's record of a node held here (it shows through once released)", () => {
    const theirs = nodeRecord("n", "other");
    const result = merge(new Map(), new Map([["n", stored(theirs, 1)]]), { local: new Set(["n"]) });
    expect(result.remote.get("n")?.record).toEqual(theirs);
    expect(result.missingLocal).toEqual([]);
  });

  it("counts and skips values that do not decode or belong to another key", () => {
    const snapshot = new Map([
      ["bad", "{"],
      ["wrong-key", stored(nodeRecord("other-id", "other"), 1)],
    ]);
    const result = merge(new Map(), snapshot);
    expect(result.invalid).toBe(2);
    expect(result.remote.size).toBe(0);
  });

  it("tells registrations apart by holder and connection time", () => {
    const a = nodeRecord("n", "r1", { connectedAtMs: 1 });
    expect(sameRegistration(a, { ...a, inFlight: 9 })).toBe(true);
    expect(sameRegistration(a, { ...a, routerId: "r2" })).toBe(false);
    expect(sameRegistration(a, { ...a, connectedAtMs: 2 })).toBe(false);
  });
});
