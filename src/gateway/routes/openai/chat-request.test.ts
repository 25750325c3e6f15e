import { describe, expect, it } from "vitest";
import { SwitchyardError } from "../../../core/errors.js";
import { chatPromptChars, flattenContent, parseChatCompletionRequest, toChatJob } from "./chat-request.js";
import { AUTO_MODEL } from "./job-common.js";

function rejection(body: unknown): SwitchyardError {
  try {
    parseChatCompletionRequest(body);
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error("expected the body to be rejected");
}

const minimal = { model: "m", messages: [{ role: "user", content: "hi" }] };

describe("parseChatCompletionRequest", () => {
  it("accepts a minimal body with defaults", () => {
    expect(parseChatCompletionRequest(minimal)).toEqual({
      model: "m",
      messages: [{ role: "user", content: "hi", name: "" }],
      stream: false,
      includeUsage: false,
      params: {},
      user: undefined,
    });
  });

  it("keeps every role, in order, and the participant name", () => {
    const roles = ["system", "developer", "user", "assistant", "tool"];
    const parsed = parseChatCompletionRequest({
      model: "m",
      messages: roles.map((role, i) => ({ role, content: `c${i}`, ...(i === 2 ? { name: "ann" } : {}) })),
    });
    expect(parsed.messages.map((m) => m.role)).toEqual(roles);
    expect(parsed.messages[2]).toEqual({ role: "user", content: "c2", name: "ann" });
  });

  it("reads the sampling fields under their OpenAI names", () => {
    const parsed = parseChatCompletionRequest({
      ...minimal,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      top_p: 0.9,
      presence_penalty: -1,
      frequency_penalty: 1,
      max_tokens: 16,
      max_completion_tokens: 32,
      stop: ["\n"],
      seed: 7,
      user: "u-1",
      n: 1,
      tools: [],
    });
    expect(parsed.stream).toBe(true);
    expect(parsed.includeUsage).toBe(true);
    expect(parsed.user).toBe("u-1");
    expect(parsed.params).toEqual({
      temperature: 0.2,
      top_p: 0.9,
      presence_penalty: -1,
      frequency_penalty: 1,
      max_tokens: 16,
      max_completion_tokens: 32,
      stop: ["\n"],
      seed: 7,
    });
  });

  it.each([
    [{ messages: minimal.messages }, "model"],
    [{ model: "m" }, "messages"],
    [{ model: "m", messages: "hi" }, "messages"],
    [{ model: "m", messages: [] }, "messages"],
    [{ model: "m", messages: ["hi"] }, "messages[0]"],
    [{ model: "m", messages: [{ content: "hi" }] }, "messages[0].role"],
    [{ model: "m", messages: [{ role: "robot", content: "hi" }] }, "messages[0].role"],
    [{ model: "m", messages: [{ role: "user", content: 5 }] }, "messages[0].content"],
    [{ model: "m", messages: [{ role: "user", content: "a", name: 1 }] }, "messages[0].name"],
    [{ ...minimal, stream: "true" }, "stream"],
    [{ ...minimal, stream_options: { include_usage: "yes" } }, "stream_options.include_usage"],
    [{ ...minimal, temperature: "hot" }, "temperature"],
    [{ ...minimal, top_p: [] }, "top_p"],
    [{ ...minimal, presence_penalty: "0" }, "presence_penalty"],
    [{ ...minimal, frequency_penalty: true }, "frequency_penalty"],
    [{ ...minimal, max_tokens: 0 }, "max_tokens"],
    [{ ...minimal, max_completion_tokens: 1.5 }, "max_completion_tokens"],
    [{ ...minimal, stop: 3 }, "stop"],
    [{ ...minimal, seed: 0.1 }, "seed"],
    [{ ...minimal, user: 3 }, "user"],
    [{ ...minimal, n: 2 }, "n"],
  ])("rejects %j naming %s", (body, param) => {
    const err = rejection(body);
    expect(err.code).toBe("invalid_argument");
    expect(err.param).toBe(param);
  });

  it("rejects a body that is not an object", () => {
    expect(rejection([minimal]).param).toBeUndefined();
  });
});

describe("flattenContent", () => {
  it("joins text parts with newlines", () => {
    expect(
      flattenContent(
        [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
        "c",
      ),
    ).toBe("a\nb");
  });

  it("turns null, absent and empty arrays into empty text", () => {
    expect(flattenContent(null, "c")).toBe("");
    expect(flattenContent(undefined, "c")).toBe("");
    expect(flattenContent([], "c")).toBe("");
  });

  it("rejects non-text parts and malformed parts, naming the part", () => {
    const param = (content: unknown): string | undefined => {
      try {
        flattenContent(content, "messages[1].content");
      } catch (err) {
        return (err as SwitchyardError).param;
      }
      return "accepted";
    };
    expect(
      param([
        { type: "text", text: "a" },
        { type: "image_url", image_url: { url: "x" } },
      ]),
    ).toBe("messages[1].content[1].type");
    expect(param([{ text: "a" }])).toBe("messages[1].content[0].type");
    expect(param([{ type: "text", text: 1 }])).toBe("messages[1].content[0].text");
    expect(param(["a"])).toBe("messages[1].content[0]");
    expect(param({ type: "text", text: "a" })).toBe("messages[1].content");
  });
});

describe("toChatJob", () => {
  const conversation = parseChatCompletionRequest({
    model: "llama",
    messages: [
      { role: "system", content: "be brief" },
      { role: "user", content: "first" },
      { role: "assistant", content: null },
      { role: "user", content: [{ type: "text", text: "second" }] },
      { role: "tool", content: "result" },
    ],
    temperature: 0.3,
  });

  it("sends the whole conversation, the last user message as content, and the params", () => {
    expect(toChatJob(conversation)).toEqual({
      capability: "chat",
      model: "llama",
      messages: conversation.messages,
      content: "second",
      params: { temperature: 0.3 },
    });
  });

  it("routes switchyard/auto to any chat node", () => {
    expect(toChatJob({ ...conversation, model: AUTO_MODEL }).model).toBe("");
  });

  it("carries the deadline when one was given", () => {
    expect(toChatJob(conversation, { deadlineMs: 500 }).deadlineMs).toBe(500);
    expect(toChatJob(conversation, { deadlineMs: undefined })).not.toHaveProperty("deadlineMs");
  });

  it("uses empty content when there is no user message", () => {
    const job = toChatJob(
      parseChatCompletionRequest({ model: "m", messages: [{ role: "system", content: "s" }] }),
    );
    expect(job.content).toBe("");
  });
});

describe("chatPromptChars", () => {
  it("counts code points over all messages", () => {
    expect(
      chatPromptChars([
        { role: "user", content: "abc", name: "" },
        { role: "assistant", content: "😀", name: "" },
      ]),
    ).toBe(4);
  });
});
