import { describe, expect, it } from "vitest";
import { demoHandlers } from "./demo.js";
import { collect, iterate, taskContext, whole } from "./test-support.js";

const demo = demoHandlers();

const conversation = [
  { role: "system", content: "Be brief.", name: "" },
  { role: "user", content: "first question", name: "" },
  { role: "assistant", content: "first answer", name: "" },
  { role: "user", content: "  how are   you today?  ", name: "" },
];

describe("demo chat", () => {
  it("answers the last user message", async () => {
    const out = await whole(demo.chat("ignored", {}, taskContext({ messages: conversation })));
    expect(out).toBe("You said: how are   you today?");
  });

  it("answers the content when there is no conversation", async () => {
    expect(await whole(demo.chat("hello", {}, taskContext()))).toBe("You said: hello");
    expect(await whole(demo.chat("   ", {}, taskContext()))).toBe("You said nothing.");
  });

  it("streams word by word, the pieces joining to the whole answer", async () => {
    const answer = await whole(demo.chat("", {}, taskContext({ messages: conversation })));
    const pieces = await collect(demo.chat("", {}, taskContext({ messages: conversation, stream: true })));
    expect(pieces).toEqual(["You ", "said: ", "how ", "are   ", "you ", "today?"]);
    expect(pieces.join("")).toBe(answer);
  });

  it("stops between pieces when the task is cancelled", async () => {
    const controller = new AbortController();
    const iterator = iterate(
      demo.chat("one two three four", {}, taskContext({ stream: true, signal: controller.signal })),
    );
    expect(await iterator.next()).toEqual({ done: false, value: "You " });
    const reason = new Error("client went away");
    controller.abort(reason);
    await expect(iterator.next()).rejects.toBe(reason);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("stops when the task is cancelled during a per-piece delay", async () => {
    const controller = new AbortController();
    const slow = demoHandlers({ delayMs: 60_000 });
    const iterator = iterate(slow.chat("hi", {}, taskContext({ stream: true, signal: controller.signal })));
    const next = iterator.next();
    controller.abort();
    await expect(next).rejects.toMatchObject({ name: "AbortError" });
  });

  it("rejects a bad delay", () => {
    expect(() => demoHandlers({ delayMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});

describe("demo completion", () => {
  it("answers the prompt, whole or streamed", async () => {
    const context = taskContext({ messages: conversation });
    expect(await whole(demo.completion("Once upon a time", {}, context))).toBe("You said: Once upon a time");
    const pieces = await collect(demo.completion("Once upon a time", {}, taskContext({ stream: true })));
    expect(pieces).toEqual(["You ", "said: ", "Once ", "upon ", "a ", "time"]);
  });
});
