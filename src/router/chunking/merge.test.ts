import { describe, expect, it } from "vitest";
import { mergeOutputs } from "./merge.js";

describe("mergeOutputs", () => {
  it("interleaves outputs and separators in order", () => {
    expect(mergeOutputs(["A", "B", "C"], ["\n\n", " "])).toBe("A\n\nB C");
    expect(mergeOutputs(["one"], [])).toBe("one");
    expect(mergeOutputs(["", "x", ""], ["", ""])).toBe("x");
  });

  it("throws a RangeError when there is not exactly one separator fewer than outputs", () => {
    expect(() => mergeOutputs([], [])).toThrow(RangeError);
    expect(() => mergeOutputs(["a", "b"], [])).toThrow(RangeError);
    expect(() => mergeOutputs(["a"], [" "])).toThrow(RangeError);
  });
});
