import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { Outbox } from "./outbox.js";

/** A sink that accepts `room` writes, then applies back-pressure until drain() is called. */
class Sink extends EventEmitter {
  written: string[] = [];
  constructor(private room: number) {
    super();
  }
  write(m: string): boolean {
    this.written.push(m);
    this.room -= 1;
    return this.room > 0;
  }
  drain(room: number): void {
    this.room = room;
    this.emit("drain");
  }
}

describe("Outbox", () => {
  it("stops writing when the sink says false and resumes on drain, in order", () => {
    const sink = new Sink(2);
    const box = new Outbox<string>(sink);
    for (const m of ["a", "b", "c", "d"]) box.send(m);
    expect(sink.written).toEqual(["a", "b"]);
    expect(box.backlog).toBe(2);
    sink.drain(10);
    expect(sink.written).toEqual(["a", "b", "c", "d"]);
    expect(box.isBlocked).toBe(false);
  });

  it("wakes every flushed() waiter once the backlog clears, with one drain listener for them all", async () => {
    const sink = new Sink(1);
    const box = new Outbox<string>(sink);
    box.send("a");
    box.send("b");
    let woken = 0;
    const waiting = Array.from({ length: 500 }, () => box.flushed().then(() => woken++));
    expect(sink.listenerCount("drain")).toBe(1);
    await Promise.resolve();
    expect(woken).toBe(0);
    sink.drain(1); // "b" is written and fills the sink again: still blocked
    await Promise.resolve();
    expect(woken).toBe(0);
    expect(sink.listenerCount("drain")).toBe(1);
    sink.drain(10);
    await Promise.all(waiting);
    expect(woken).toBe(500);
    expect(sink.listenerCount("drain")).toBe(0);
    await box.flushed();
  });

  it("releases flushed() waiters on close", async () => {
    const sink = new Sink(1);
    const box = new Outbox<string>(sink);
    box.send("a");
    const waiting = box.flushed();
    box.close();
    await waiting;
  });

  it("coalesces waiting messages when asked to", () => {
    const sink = new Sink(1);
    const box = new Outbox<string>(sink, (a, b) => a + b);
    for (const m of ["a", "b", "c", "d"]) box.send(m);
    expect(box.backlog).toBe(1);
    sink.drain(10);
    expect(sink.written).toEqual(["a", "bcd"]);
  });

  it("resolves flushed() only once the backlog is written", async () => {
    const sink = new Sink(1);
    const box = new Outbox<string>(sink);
    box.send("a");
    box.send("b");
    let done = false;
    const flushed = box.flushed().then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    sink.drain(10);
    await flushed;
    expect(sink.written).toEqual(["a", "b"]);
  });
});
