import { describe, expect, it } from "vitest";
import type { SubmitJobRequest } from "../../gen/switchyard/v1/job.js";
import { compileRouterOptions } from "../options.js";
import { toJobSpec } from "./validate.js";

const settings = compileRouterOptions({
  defaultDeadlineMs: 1_000,
  maxDeadlineMs: 5_000,
  maxContentChars: 20,
});

function request(over: Partial<SubmitJobRequest> = {}): SubmitJobRequest {
  return {
    capability: "chat",
    content: "",
    params: {},
    model: "",
    language: "",
    messages: [],
    deadlineMs: 0,
    maxCost: 0,
    preferLabels: {},
    ...over,
  };
}

describe("toJobSpec", () => {
  it("applies the default deadline, caps it at the maximum and at the call's own deadline", () => {
    expect(toJobSpec(request(), settings, false).deadlineMs).toBe(1_000);
    expect(toJobSpec(request({ deadlineMs: 60_000 }), settings, false).deadlineMs).toBe(5_000);
    expect(toJobSpec(request({ deadlineMs: 3_000 }), settings, false, 200).deadlineMs).toBe(200);
  });

  it("uses the last user message as content when only a conversation is sent", () => {
    const messages = [
      { role: "user", content: "first", name: "" },
      { role: "assistant", content: "reply", name: "" },
      { role: "user", content: "last", name: "" },
    ];
    expect(toJobSpec(request({ messages }), settings, false).content).toBe("last");
    expect(toJobSpec(request({ messages, content: "given" }), settings, false).content).toBe("given");
  });

  it("rejects oversized content, blank roles and bad max_cost, naming the field", () => {
    expect(() => toJobSpec(request({ content: "x".repeat(21) }), settings, false)).toThrow(
      expect.objectContaining({ param: "content" }),
    );
    expect(() =>
      toJobSpec(request({ messages: [{ role: " ", content: "", name: "" }] }), settings, false),
    ).toThrow(expect.objectContaining({ param: "messages" }));
    expect(() => toJobSpec(request({ maxCost: 1.5 }), settings, false)).toThrow(
      expect.objectContaining({ param: "max_cost" }),
    );
  });
});
