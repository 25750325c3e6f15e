import { describe, expect, it } from "vitest";
import { SwitchyardError } from "../../../core/errors.js";
import {
  bodyObject,
  checkSingleChoice,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalPositiveInteger,
  optionalStop,
  optionalString,
  requiredModel,
  samplingParams,
  streamFlags,
} from "./fields.js";

function paramOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SwitchyardError) {
      expect(err.code).toBe("invalid_argument");
      return err.param;
    }
    throw err;
  }
  throw new Error("expected an invalid_argument error");
}

describe("field readers", () => {
  it("treat null and undefined as absent", () => {
    for (const read of [optionalBoolean, optionalString, optionalNumber, optionalInteger, optionalStop]) {
      expect(read(undefined, "f")).toBeUndefined();
      expect(read(null, "f")).toBeUndefined();
    }
  });

  it("accept values of the right type", () => {
    expect(optionalBoolean(false, "f")).toBe(false);
    expect(optionalString("", "f")).toBe("");
    expect(optionalNumber(0.5, "f")).toBe(0.5);
    expect(optionalInteger(-3, "f")).toBe(-3);
    expect(optionalPositiveInteger(1, "f")).toBe(1);
    expect(optionalStop("END", "f")).toBe("END");
    expect(optionalStop(["a", "b"], "f")).toEqual(["a", "b"]);
  });

  it("reject wrong types, naming the field", () => {
    expect(paramOf(() => optionalBoolean("true", "stream"))).toBe("stream");
    expect(paramOf(() => optionalString(1, "user"))).toBe("user");
    expect(paramOf(() => optionalNumber("0.5", "temperature"))).toBe("temperature");
    expect(paramOf(() => optionalNumber(Number.NaN, "temperature"))).toBe("temperature");
    expect(paramOf(() => optionalInteger(1.5, "seed"))).toBe("seed");
    expect(paramOf(() => optionalPositiveInteger(0, "max_tokens"))).toBe("max_tokens");
    expect(paramOf(() => optionalPositiveInteger(-1, "max_tokens"))).toBe("max_tokens");
    expect(paramOf(() => optionalStop(["a", 1], "stop"))).toBe("stop");
    expect(paramOf(() => optionalStop({}, "stop"))).toBe("stop");
  });

  it("require a JSON object body", () => {
    expect(bodyObject({ a: 1 })).toEqual({ a: 1 });
    for (const body of [undefined, null, "text", [], 3]) {
      expect(paramOf(() => bodyObject(body))).toBeUndefined();
    }
  });

  it("require a non-empty model string", () => {
    expect(requiredModel({ model: "m" })).toBe("m");
    for (const model of [undefined, null, "", "  ", 3]) {
      expect(paramOf(() => requiredModel({ model }))).toBe("model");
    }
  });

  it("accept n only when it is 1", () => {
    expect(() => checkSingleChoice(undefined)).not.toThrow();
    expect(() => checkSingleChoice(1)).not.toThrow();
    expect(paramOf(() => checkSingleChoice(2))).toBe("n");
    expect(paramOf(() => checkSingleChoice("1"))).toBe("n");
  });

  it("read the stream flags", () => {
    expect(streamFlags({})).toEqual({ stream: false, includeUsage: false });
    expect(streamFlags({ stream: true, stream_options: { include_usage: true } })).toEqual({
      stream: true,
      includeUsage: true,
    });
    expect(streamFlags({ stream: true, stream_options: null })).toEqual({
      stream: true,
      includeUsage: false,
    });
    expect(paramOf(() => streamFlags({ stream: "yes" }))).toBe("stream");
    expect(paramOf(() => streamFlags({ stream_options: true }))).toBe("stream_options");
    expect(paramOf(() => streamFlags({ stream_options: { include_usage: 1 } }))).toBe(
      "stream_options.include_usage",
    );
  });

  it("collect only the sampling fields that were given", () => {
    const spec = { temperature: "number", max_tokens: "positiveInteger", stop: "stop" } as const;
    expect(samplingParams({ temperature: 0, stop: null, other: 1 }, spec)).toEqual({ temperature: 0 });
    expect(paramOf(() => samplingParams({ max_tokens: 2.5 }, spec))).toBe("max_tokens");
  });
});
