import { describe, expect, it } from "vitest";
import { SwitchyardError } from "../../../core/errors.js";
import { parseCompletionRequest, toCompletionJob } from "./completion-request.js";

function paramOf(body: unknown): string | undefined {
  try {
    parseCompletionRequest(body);
  } catch (err) {
    if (err instanceof SwitchyardError && err.code === "invalid_argument") return err.param;
    throw err;
  }
  throw new Error("expected the body to be rejected");
}

describe("parseCompletionRequest", () => {
  it("accepts a string prompt or an array of exactly one string", () => {
    expect(parseCompletionRequest({ model: "m", prompt: "hi" }).prompt).toBe("hi");
    expect(parseCompletionRequest({ model: "m", prompt: ["hi"] }).prompt).toBe("hi");
  });

  it("reads stream flags and sampling fields", () => {
    const parsed = parseCompletionRequest({
      model: "m",
      prompt: "p",
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 5,
      temperature: 1,
      top_p: 0.5,
      stop: "x",
      seed: 1,
      echo: true,
    });
    expect(parsed).toEqual({
      model: "m",
      prompt: "p",
      stream: true,
      includeUsage: true,
      params: { max_tokens: 5, temperature: 1, top_p: 0.5, stop: "x", seed: 1 },
    });
  });

  it.each([
    [{ prompt: "p" }, "model"],
    [{ model: "m" }, "prompt"],
    [{ model: "m", prompt: 3 }, "prompt"],
    [{ model: "m", prompt: [] }, "prompt"],
    [{ model: "m", prompt: ["a", "b"] }, "prompt"],
    [{ model: "m", prompt: [[1, 2]] }, "prompt"],
    [{ model: "m", prompt: "p", stream: 1 }, "stream"],
    [{ model: "m", prompt: "p", max_tokens: -2 }, "max_tokens"],
    [{ model: "m", prompt: "p", temperature: "x" }, "temperature"],
    [{ model: "m", prompt: "p", stop: [1] }, "stop"],
    [{ model: "m", prompt: "p", seed: "1" }, "seed"],
    [{ model: "m", prompt: "p", n: 3 }, "n"],
  ])("rejects %j naming %s", (body, param) => {
    expect(paramOf(body)).toBe(param);
  });
});

describe("toCompletionJob", () => {
  it("builds a completion job with the prompt as content", () => {
    const request = parseCompletionRequest({ model: "switchyard/auto", prompt: "once", max_tokens: 3 });
    expect(toCompletionJob(request, { deadlineMs: 1000 })).toEqual({
      capability: "completion",
      model: "",
      content: "once",
      params: { max_tokens: 3 },
      deadlineMs: 1000,
    });
  });
});
