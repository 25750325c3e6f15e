import { describe, expect, it } from "vitest";
import type { DirectoryEvent } from "../fanout/events.js";
import { encodeStored } from "./record-codec.js";
import { nodeRecord } from "./records.test-util.js";
import { ReplicaView } from "./replica-view.js";

const SELF = "me";
const GRACE = 1_000;

describe("ReplicaView", () => {
  it("holds the very record object, stamps load changes strictly increasing, and announces only changes", () => {
    const view = new ReplicaView(SELF, GRACE);
    const record = nodeRecord("n", SELF);
    const node = view.hold(record, 100);
    expect(view.get("n")).toBe(record);
    expect(view.takeLoadEvent("n")).toBeUndefined();

    expect(view.setLoad("n", 2, false, 100)).toBe(true);
    expect(view.setLoad("n", 3, false, 100)).toBe(true);
    expect(record.inFlight).toBe(3);
    expect(node.loadAtMs).toBe(102);
    expect(view.takeLoadEvent("n")).toEqual({
      type: "load",
      id: "n",
      inFlight: 3,
      draining: false,
      atMs: 102,
    });
    expect(view.takeLoadEvent("n")).toBeUndefined();
    expect(view.setLoad("unknown", 1, false)).toBe(false);
  });

  it("applies other replicas' events and ignores its own", () => {
    const view = new ReplicaView(SELF, GRACE);
    const theirs = nodeRecord("t", "other", { lastSeenAtMs: 50 });
    view.hear({ type: "up", record: theirs });
    expect(view.get("t")).toEqual(theirs);
    expect(view.get("t")).not.toBe(theirs);

    view.hear({ type: "load", id: "t", inFlight: 2, draining: true, atMs: 60 });
    expect(view.get("t")).toMatchObject({ inFlight: 2, draining: true });
    view.hear({ type: "load", id: "t", inFlight: 1, draining: false, atMs: 55 }); // older: ignored
    expect(view.get("t")?.inFlight).toBe(2);

    view.hear({ type: "down", id: "t", routerId: "someone-else" }); // not its holder: ignored
    expect(view.get("t")).toBeDefined();
    view.hear({ type: "down", id: "t", routerId: "other" });
    expect(view.get("t")).toBeUndefined();

    view.hear({ type: "up", record: nodeRecord("mine", SELF) });
    expect(view.get("mine")).toBeUndefined();
    view.hear({ type: "up", record: { id: "broken" } as never });
    expect(view.list()).toEqual([]);
  });

  it("shadows another replica's record with the one held here, which stays through events", () => {
    const view = new ReplicaView(SELF, GRACE);
    const mine = nodeRecord("n", SELF);
    view.hold(mine);
    view.hear({ type: "up", record: nodeRecord("n", "other") });
    view.hear({ type: "load", id: "n", inFlight: 9, draining: true, atMs: Date.now() + 10_000 });
    view.hear({ type: "down", id: "n", routerId: SELF });
    expect(view.get("n")).toBe(mine);
    expect(mine.inFlight).toBe(0);
    expect(view.release("n")).toBeDefined();
    expect(view.get("n")?.routerId).toBe("other");
    expect(view.release("n")).toBeUndefined();
  });

  it("replaces remote records with a snapshot, except nodes changed by events within the grace", () => {
    const view = new ReplicaView(SELF, GRACE);
    const events: DirectoryEvent[] = [
      { type: "up", record: nodeRecord("old-up", "other") },
      { type: "up", record: nodeRecord("new-up", "other") },
    ];
    view.hear(events[0] as DirectoryEvent, 1_000);
    view.hear(events[1] as DirectoryEvent, 9_500);
    view.hear({ type: "down", id: "new-down", routerId: "other" }, 9_500);
    const snapshot = new Map([
      ["new-down", encodeStored(nodeRecord("new-down", "other"), 1)],
      ["found", encodeStored(nodeRecord("found", "other"), 1)],
    ]);
    const held = view.hold(nodeRecord("held", SELF));
    const repairs = view.applySnapshot(snapshot, 10_000);
    expect(
      view
        .list()
        .map((r) => r.id)
        .sort(),
    ).toEqual(["found", "held", "new-up"]);
    expect(repairs.missingLocal).toEqual([held]);
    expect(repairs.staleOwn).toEqual([]);

    // Once the grace has passed, the snapshot decides.
    view.applySnapshot(snapshot, 20_000);
    expect(
      view
        .list()
        .map((r) => r.id)
        .sort(),
    ).toEqual(["found", "held", "new-down"]);
    view.clear();
    expect(view.list()).toEqual([]);
  });
});
