import { describe, expect, it } from "vitest";
import type { JobOutcome } from "../../../client/types.js";
import { toChatCompletion, toTextCompletion, unixSeconds } from "./responses.js";

const outcome: JobOutcome = {
  jobId: "job-1",
  output: "Hello!",
  chunks: 1,
  nodeIds: ["n1"],
  cost: 10,
  durationMs: 12,
  usage: { promptTokens: 5, completionTokens: 2 },
  model: "llama-3",
};

const ctx = { requestedModel: "switchyard/auto", promptChars: 8, nowMs: 1_700_000_000_999 };

describe("toChatCompletion", () => {
  it("builds a chat.completion from the job outcome", () => {
    expect(toChatCompletion(outcome, ctx)).toEqual({
      id: "chatcmpl-job-1",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "llama-3",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hello!", refusal: null },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
  });

  it("falls back to the requested model and an estimated usage", () => {
    const result = toChatCompletion({ ...outcome, model: "", usage: undefined }, ctx);
    expect(result.model).toBe("switchyard/auto");
    expect(result.usage).toEqual({ prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 });
  });
});

describe("toTextCompletion", () => {
  it("builds a text_completion from the job outcome", () => {
    expect(toTextCompletion(outcome, ctx)).toEqual({
      id: "cmpl-job-1",
      object: "text_completion",
      created: 1_700_000_000,
      model: "llama-3",
      choices: [{ index: 0, text: "Hello!", logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
  });
});

describe("unixSeconds", () => {
  it("floors to whole seconds", () => {
    expect(unixSeconds(1999)).toBe(1);
  });
});
