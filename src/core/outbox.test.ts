import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { Outbox, type OutboxBatching } from "./outbox.js";

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

  describe("with batching", () => {
    // Messages are strings; a batch is "[a,b,c]"; "!" messages must travel alone; size = length.
    const batching: OutboxBatching<string> = {
      wrap: (ms) => `[${ms.join(",")}]`,
      batchable: (m) => !m.startsWith("!") && !m.startsWith("["),
      sizeOf: (m) => m.length,
      maxMessages: 3,
      maxBytes: 10,
    };
    const nextTurn = () => new Promise<void>((r) => setImmediate(r));

    it("writes the messages of one turn when it ends, as batches within the limits, in order", async () => {
      const sink = new Sink(100);
      const box = new Outbox<string>(sink, { batching });
      for (const m of ["a", "b", "c", "d", "!hs", "e", "ffffffffff", "g", "hhhhhhh", "iii"]) box.send(m);
      expect(sink.written).toEqual([]);
      await nextTurn();
      expect(sink.written).toEqual(["[a,b,c]", "d", "!hs", "e", "ffffffffff", "[g,hhhhhhh]", "iii"]);
    });

    it("sends a lone message as it is, one turn later", async () => {
      const sink = new Sink(100);
      const box = new Outbox<string>(sink, { batching });
      box.send("a");
      await nextTurn();
      box.send("b");
      await nextTurn();
      expect(sink.written).toEqual(["a", "b"]);
    });

    it("keeps back-pressure: what waits for the drain goes out in batches too", async () => {
      const sink = new Sink(1);
      const box = new Outbox<string>(sink, { batching });
      for (const m of ["a", "b", "c"]) box.send(m);
      await nextTurn();
      expect(sink.written).toEqual(["[a,b,c]"]);
      expect(box.isBlocked).toBe(true);
      for (const m of ["d", "e", "f", "g"]) box.send(m);
      await nextTurn();
      expect(sink.written).toEqual(["[a,b,c]"]);
      sink.drain(100);
      expect(sink.written).toEqual(["[a,b,c]", "[d,e,f]", "g"]);
      expect(box.isBlocked).toBe(false);
    });

    it("writes this turn's messages at close() while the stream takes them, and nothing after", async () => {
      const sink = new Sink(100);
      const box = new Outbox<string>(sink, { batching });
      box.send("a");
      box.send("b");
      box.close();
      box.send("c");
      await nextTurn();
      expect(sink.written).toEqual(["[a,b]"]);
      const ended = Object.assign(new Sink(100), { writable: false });
      const late = new Outbox<string>(ended, { batching });
      late.send("x");
      late.close();
      await nextTurn();
      expect(ended.written).toEqual([]);
    });

    it("starts batching when batchWith() is called, writing what it held first", async () => {
      const sink = new Sink(100);
      const box = new Outbox<string>(sink);
      box.send("a");
      box.send("b");
      box.batchWith(batching);
      box.send("c");
      box.send("d");
      await nextTurn();
      expect(sink.written).toEqual(["a", "b", "[c,d]"]);
    });
  });
});
