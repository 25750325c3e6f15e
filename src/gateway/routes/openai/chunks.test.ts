import { describe, expect, it } from "vitest";
import { chatStreamFormat, textStreamFormat } from "./chunks.js";

const base = { id: "chatcmpl-s1", created: 100, model: "m" };
const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };

describe("chatStreamFormat", () => {
  const format = chatStreamFormat({ ...base, includeUsage: false });

  it("opens with the assistant role and empty content", () => {
    expect(format.opening()).toEqual([
      {
        id: "chatcmpl-s1",
        object: "chat.completion.chunk",
        created: 100,
        model: "m",
        choices: [
          { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
        ],
      },
    ]);
  });

  it("carries content deltas and a stop chunk", () => {
    expect(format.content("Hel")).toMatchObject({
      choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }],
    });
    expect(format.finish()).toMatchObject({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
  });

  it("with include_usage, puts usage: null on every chunk and ends with a usage chunk", () => {
    const withUsage = chatStreamFormat({ ...base, includeUsage: true });
    expect(withUsage.content("a")).toHaveProperty("usage", null);
    expect(withUsage.finish()).toHaveProperty("usage", null);
    expect(withUsage.usage(usage)).toEqual({
      id: "chatcmpl-s1",
      object: "chat.completion.chunk",
      created: 100,
      model: "m",
      choices: [],
      usage,
    });
  });

  it("without include_usage, has no usage field", () => {
    expect(format.content("a")).not.toHaveProperty("usage");
  });
});

describe("textStreamFormat", () => {
  const format = textStreamFormat({ ...base, id: "cmpl-s1", includeUsage: true });

  it("has no opening chunk", () => {
    expect(format.opening()).toEqual([]);
  });

  it("carries text chunks, a stop chunk and a usage chunk", () => {
    expect(format.content("once")).toEqual({
      id: "cmpl-s1",
      object: "text_completion",
      created: 100,
      model: "m",
      choices: [{ index: 0, text: "once", logprobs: null, finish_reason: null }],
      usage: null,
    });
    expect(format.finish()).toMatchObject({ choices: [{ text: "", finish_reason: "stop" }] });
    expect(format.usage(usage)).toMatchObject({ object: "text_completion", choices: [], usage });
  });
});
