import { describe, expect, it } from "vitest";
import type { DirectoryEvent } from "../fanout/events.js";
import { LocalDirectoryEvents } from "./local-events.js";
import { nodeRecord } from "./records.test-util.js";

describe("LocalDirectoryEvents", () => {
  it("delivers synchronously, in subscription order, a copy to each subscriber", () => {
    const events = new LocalDirectoryEvents();
    const seen: Array<[string, DirectoryEvent]> = [];
    events.subscribe((e) => seen.push(["first", e]));
    events.subscribe((e) => seen.push(["second", e]));
    const record = nodeRecord("n", "r");
    events.publish({ type: "up", record });
    expect(seen.map(([who]) => who)).toEqual(["first", "second"]);
    const [first, second] = seen.map(([, e]) => e as { type: "up"; record: typeof record });
    expect(first?.record).toEqual(record);
    expect(first?.record).not.toBe(record);
    expect(first?.record).not.toBe(second?.record);
  });

  it("keeps delivering when a subscriber throws", () => {
    const events = new LocalDirectoryEvents();
    let delivered = 0;
    events.subscribe(() => {
      throw new Error("boom");
    });
    events.subscribe(() => {
      delivered += 1;
    });
    expect(() => events.publish({ type: "down", id: "n", routerId: "r" })).not.toThrow();
    expect(delivered).toBe(1);
  });

  it("unsubscribes idempotently, also from inside a handler, and stops after close", () => {
    const events = new LocalDirectoryEvents();
    const calls: string[] = [];
    const second = { unsubscribe: () => {} };
    const first = events.subscribe(() => {
      calls.push("first");
      second.unsubscribe();
    });
    Object.assign(
      second,
      events.subscribe(() => calls.push("second")),
    );
    const load: DirectoryEvent = { type: "load", id: "n", inFlight: 1, draining: false, atMs: 1 };
    events.publish(load);
    expect(calls).toEqual(["first"]);
    first.unsubscribe();
    first.unsubscribe();
    expect(events.subscriberCount).toBe(0);

    events.subscribe(() => calls.push("late"));
    events.close();
    events.publish(load);
    events.subscribe(() => calls.push("after close"));
    events.publish(load);
    expect(calls).toEqual(["first"]);
    expect(events.subscriberCount).toBe(0);
  });

  it("lets the same handler subscribe twice", () => {
    const events = new LocalDirectoryEvents();
    let n = 0;
    const handler = (): void => {
      n += 1;
    };
    const a = events.subscribe(handler);
    events.subscribe(handler);
    events.publish({ type: "down", id: "n", routerId: "r" });
    a.unsubscribe();
    events.publish({ type: "down", id: "n", routerId: "r" });
    expect(n).toBe(3);
  });
});
