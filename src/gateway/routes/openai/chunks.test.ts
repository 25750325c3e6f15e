import { describe, expect, it } from "vitest";
import { chatStreamFormat, pieceTemplate, textStreamFormat } from "./chunks.js";

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
    expect(JSON.parse(format.content("Hel"))).toMatchObject({
      choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }],
    });
    expect(format.finish()).toMatchObject({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
  });

  it("with include_usage, puts usage: null on every chunk and ends with a usage chunk", () => {
    const withUsage = chatStreamFormat({ ...base, includeUsage: true });
    expect(JSON.parse(withUsage.content("a"))).toHaveProperty("usage", null);
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
    expect(JSON.parse(format.content("a"))).not.toHaveProperty("usage");
  });
});

describe("textStreamFormat", () => {
  const format = textStreamFormat({ ...base, id: "cmpl-s1", includeUsage: true });

  it("has no opening chunk", () => {
    expect(format.opening()).toEqual([]);
  });

  it("carries text chunks, a stop chunk and a usage chunk", () => {
    expect(JSON.parse(format.content("once"))).toEqual({
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

describe("pieceTemplate", () => {
  const pieces = [
    "",
    "plain",
    'quote " and backslash \\',
    "line\nbreak\ttab",
    "\u2028\u2029 é 漢字 😀",
    '"content":"x"',
  ];
  const models = ["m", 'odd "model" \\', "\u0000switchyard-piece\u0000", 'x","content":"y'];

  it("writes exactly what serialising the whole chunk would, for any piece and model name", () => {
    for (const model of models) {
      for (const includeUsage of [false, true]) {
        const ctx = { ...base, model, includeUsage };
        const chat = chatStreamFormat(ctx);
        const text = textStreamFormat(ctx);
        for (const piece of pieces) {
          expect(chat.content(piece)).toBe(
            JSON.stringify({
              id: "chatcmpl-s1",
              object: "chat.completion.chunk",
              created: 100,
              model,
              choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }],
              ...(includeUsage ? { usage: null } : {}),
            }),
          );
          expect(JSON.parse(text.content(piece))).toEqual({
            id: "chatcmpl-s1",
            object: "text_completion",
            created: 100,
            model,
            choices: [{ index: 0, text: piece, logprobs: null, finish_reason: null }],
            ...(includeUsage ? { usage: null } : {}),
          });
        }
      }
    }
  });

  it("refuses a chunk that does not hold the piece in the named field", () => {
    expect(() => pieceTemplate((text) => ({ other: text }), "content")).toThrow(/no field content/);
  });
});
