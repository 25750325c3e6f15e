import { afterEach, describe, expect, it, vi } from "vitest";
import { BUILTIN_CAPABILITIES, builtinHandlers, SPLITTABLE_BUILTINS } from "./builtin.js";
import { taskContext, whole } from "./test-support.js";

const handlers = builtinHandlers();

function run(name: keyof typeof handlers, content: string): Promise<string> {
  return whole(handlers[name](content, {}, taskContext()));
}

afterEach(() => {
  vi.useRealTimers();
});

describe("builtinHandlers", () => {
  it("serves exactly the four built-in capabilities", () => {
    expect(Object.keys(handlers).sort()).toEqual([...BUILTIN_CAPABILITIES].sort());
    for (const name of SPLITTABLE_BUILTINS) expect(BUILTIN_CAPABILITIES).toContain(name);
  });

  it("echo returns the content", async () => {
    expect(await run("echo", "Hello, wörld 👋\n")).toBe("Hello, wörld 👋\n");
    expect(await run("echo", "")).toBe("");
  });

  it("upper upper-cases", async () => {
    expect(await run("upper", "Hello, straße 1")).toBe("HELLO, STRASSE 1");
  });

  it("reverse reverses plain text", async () => {
    expect(await run("reverse", "abc def")).toBe("fed cba");
    expect(await run("reverse", "")).toBe("");
  });

  it("reverse keeps emoji and combining marks whole", async () => {
    expect(await run("reverse", "a👍🏽b")).toBe("b👍🏽a");
    expect(await run("reverse", "x👨‍👩‍👧y")).toBe("y👨‍👩‍👧x");
    expect(await run("reverse", "🇫🇷🇩🇪")).toBe("🇩🇪🇫🇷");
    // "e" + combining acute accent, then "x": the accent stays on the "e".
    expect(await run("reverse", "e\u0301x")).toBe("xe\u0301");
    expect(await run("reverse", "\r\nab")).toBe("ba\r\n");
  });

  it("wordcount counts word-like segments only", async () => {
    expect(await run("wordcount", "Hello, world! It's 2 o'clock.")).toBe("5");
    expect(await run("wordcount", "  ...  ")).toBe("0");
    expect(await run("wordcount", "")).toBe("0");
    expect(await run("wordcount", "naïve café\ncrème brûlée")).toBe("4");
  });

  it("waits delayMs before answering", async () => {
    vi.useFakeTimers();
    const delayed = builtinHandlers({ delayMs: 1_000 });
    let answer: string | undefined;
    const pending = Promise.resolve(delayed.echo("hi", {}, taskContext())).then((out) => {
      answer = out as string;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(answer).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(answer).toBe("hi");
  });

  it("fails as soon as the task is cancelled during the delay, leaving no timer", async () => {
    vi.useFakeTimers();
    const delayed = builtinHandlers({ delayMs: 60_000 });
    for (const name of BUILTIN_CAPABILITIES) {
      const controller = new AbortController();
      const result = Promise.resolve(delayed[name]("text", {}, taskContext({ signal: controller.signal })));
      expect(vi.getTimerCount()).toBe(1);
      const reason = new Error("cancelled by the router");
      controller.abort(reason);
      await expect(result).rejects.toBe(reason);
      expect(vi.getTimerCount()).toBe(0);
    }
  });

  it("fails with an AbortError when the signal aborts without an Error reason", async () => {
    const controller = new AbortController();
    const result = Promise.resolve(
      builtinHandlers({ delayMs: 60_000 }).upper("x", {}, taskContext({ signal: controller.signal })),
    );
    controller.abort("shutting down");
    await expect(result).rejects.toMatchObject({ name: "AbortError", message: "shutting down" });
  });

  it("fails at once when the task was cancelled before it started, even with no delay", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = Promise.resolve(handlers.echo("x", {}, taskContext({ signal: controller.signal })));
    await expect(result).rejects.toMatchObject({ name: "AbortError" });
  });

  it("rejects a bad delay", () => {
    expect(() => builtinHandlers({ delayMs: -1 })).toThrow(RangeError);
    expect(() => builtinHandlers({ delayMs: Number.NaN })).toThrow(/delayMs/);
  });
});
