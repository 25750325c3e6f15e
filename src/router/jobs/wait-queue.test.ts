import { describe, expect, it } from "vitest";
import { WaitQueue } from "./wait-queue.js";

describe("WaitQueue", () => {
  it("keeps each capability oldest first, retries ahead of fresh items", () => {
    const q = new WaitQueue<string>(10);
    q.push("echo", "1", "one", false);
    q.push("echo", "2", "two", false);
    q.push("chat", "3", "three", false);
    q.push("echo", "r", "retry", true);
    expect(q.waiting("echo").map(([, v]) => v)).toEqual(["retry", "one", "two"]);
    expect(q.size("chat")).toBe(1);
    expect(q.total).toBe(4);
  });

  it("refuses fresh items over the limit per capability but always takes retries", () => {
    const q = new WaitQueue<number>(2);
    expect(q.push("echo", "a", 1, false)).toBe(true);
    expect(q.push("echo", "b", 2, false)).toBe(true);
    expect(q.push("echo", "c", 3, false)).toBe(false);
    expect(q.push("chat", "d", 4, false)).toBe(true);
    expect(q.push("echo", "r", 5, true)).toBe(true);
    expect(q.size("echo")).toBe(3);
  });

  it("removes items and forgets empty capabilities", () => {
    const q = new WaitQueue<number>(2);
    q.push("echo", "a", 1, false);
    expect(q.remove("echo", "a")).toBe(true);
    expect(q.remove("echo", "a")).toBe(false);
    expect(q.capabilities()).toEqual([]);
  });
});
