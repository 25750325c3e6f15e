import { describe, expect, it } from "vitest";
import { SwitchyardError } from "../../../core/errors.js";
import { parseApiJobRequest, parseJobFields } from "./job-request.js";

function paramOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SwitchyardError && err.code === "invalid_argument") return err.param ?? "";
    throw err;
  }
  return undefined;
}

describe("parseApiJobRequest", () => {
  it("reads every field into a JobRequest", () => {
    expect(
      parseApiJobRequest({
        task_type: "echo",
        content: "hi",
        params: { a: 1 },
        max_cost: 0,
        deadline_ms: 500,
        model: "m",
        language: "fr",
        stream: true,
        unknown: "ignored",
      }),
    ).toEqual({
      job: {
        capability: "echo",
        content: "hi",
        params: { a: 1 },
        maxCost: 0,
        deadlineMs: 500,
        model: "m",
        language: "fr",
      },
      stream: true,
    });
  });

  it("leaves optional fields out when absent or null", () => {
    expect(
      parseApiJobRequest({ task_type: "echo", content: "", params: null, max_cost: null, stream: null }),
    ).toEqual({ job: { capability: "echo", content: "" }, stream: false });
  });

  it.each([
    [undefined, ""],
    [[1], ""],
    [{ content: "x" }, "task_type"],
    [{ task_type: "", content: "x" }, "task_type"],
    [{ task_type: "  ", content: "x" }, "task_type"],
    [{ task_type: 7, content: "x" }, "task_type"],
    [{ task_type: "echo" }, "content"],
    [{ task_type: "echo", content: 5 }, "content"],
    [{ task_type: "echo", content: "x", params: [] }, "params"],
    [{ task_type: "echo", content: "x", params: "a=1" }, "params"],
    [{ task_type: "echo", content: "x", max_cost: -1 }, "max_cost"],
    [{ task_type: "echo", content: "x", max_cost: 2.5 }, "max_cost"],
    [{ task_type: "echo", content: "x", max_cost: "10" }, "max_cost"],
    [{ task_type: "echo", content: "x", max_cost: 2 ** 60 }, "max_cost"],
    [{ task_type: "echo", content: "x", deadline_ms: 0 }, "deadline_ms"],
    [{ task_type: "echo", content: "x", deadline_ms: 1.5 }, "deadline_ms"],
    [{ task_type: "echo", content: "x", deadline_ms: 2 ** 32 }, "deadline_ms"],
    [{ task_type: "echo", content: "x", model: 1 }, "model"],
    [{ task_type: "echo", content: "x", language: false }, "language"],
    [{ task_type: "echo", content: "x", stream: "yes" }, "stream"],
  ])("rejects %j naming '%s'", (body, param) => {
    expect(paramOf(() => parseApiJobRequest(body))).toBe(param);
  });
});

describe("parseJobFields", () => {
  it("does not read stream or api_key", () => {
    expect(parseJobFields({ task_type: "t", content: "c", stream: "x", api_key: 5 })).toEqual({
      capability: "t",
      content: "c",
    });
  });
});
