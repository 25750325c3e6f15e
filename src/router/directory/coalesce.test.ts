import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Coalescer } from "./coalesce.js";

describe("Coalescer", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("flushes the first mark at once and folds the rest of the interval into one trailing flush", () => {
    let value = 0;
    const sent: number[] = [];
    const c = new Coalescer(50, () => sent.push(value));
    value = 1;
    c.mark("n");
    expect(sent).toEqual([1]);
    for (value = 2; value <= 5; value++) {
      c.mark("n");
      vi.advanceTimersByTime(5);
    }
    expect(sent).toEqual([1]);
    expect(c.pending).toBe(1);
    vi.advanceTimersByTime(50);
    expect(sent).toEqual([1, 6]); // the latest value at flush time, not the one marked first
    expect(c.pending).toBe(0);
  });

  it("flushes at once again after a quiet interval", () => {
    const flushes: number[] = [];
    const c = new Coalescer(50, () => flushes.push(Date.now()));
    c.mark("n");
    vi.advanceTimersByTime(50);
    c.mark("n");
    expect(flushes).toEqual([1_000_000, 1_000_050]);
  });

  it("keeps keys independent", () => {
    const flushed: string[] = [];
    const c = new Coalescer(1_000, (key) => flushed.push(key));
    c.mark("a");
    c.mark("b");
    c.mark("a");
    expect(flushed).toEqual(["a", "b"]);
    vi.advanceTimersByTime(1_000);
    expect(flushed).toEqual(["a", "b", "a"]);
  });

  it("drops a cancelled key's trailing flush and forgets its interval", () => {
    const flushed: string[] = [];
    const c = new Coalescer(50, (key) => flushed.push(key));
    c.mark("a");
    c.mark("a");
    c.cancel("a");
    vi.advanceTimersByTime(100);
    expect(flushed).toEqual(["a"]);
    c.mark("a");
    c.mark("b");
    c.mark("b");
    c.clear();
    vi.advanceTimersByTime(100);
    expect(flushed).toEqual(["a", "a", "b"]);
    expect(c.pending).toBe(0);
  });

  it("passes a failing flush to onError and keeps working", () => {
    const errors: string[] = [];
    let calls = 0;
    const c = new Coalescer(
      10,
      () => {
        calls += 1;
        if (calls === 1) throw new Error("boom");
      },
      (_err, key) => errors.push(key),
    );
    c.mark("k");
    c.mark("k");
    vi.advanceTimersByTime(10);
    expect(errors).toEqual(["k"]);
    expect(calls).toBe(2);
  });

  it("never flushes a key twice within an interval and always flushes after the last mark", () => {
    const step = fc.record({ waitMs: fc.integer({ min: 0, max: 120 }), key: fc.constantFrom("a", "b") });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        vi.setSystemTime(1_000_000);
        const flushes = new Map<string, number[]>();
        const lastMark = new Map<string, number>();
        const c = new Coalescer(50, (key) => flushes.set(key, [...(flushes.get(key) ?? []), Date.now()]));
        for (const { waitMs, key } of steps) {
          vi.advanceTimersByTime(waitMs);
          c.mark(key);
          lastMark.set(key, Date.now());
        }
        vi.advanceTimersByTime(1_000);
        for (const [key, marked] of lastMark) {
          const times = flushes.get(key) ?? [];
          times.forEach((at, i) => {
            if (i > 0) expect(at - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(50);
          });
          expect(times.at(-1)).toBeGreaterThanOrEqual(marked);
        }
        c.clear();
      }),
    );
  });
});
