import { describe, expect, it } from "vitest";
import { toModelList, toModelObject } from "./model-objects.js";

describe("model objects", () => {
  it("describes an online model the OpenAI way", () => {
    expect(toModelObject({ id: "switchyard/demo", nodes: 3, createdUnixMs: 1_700_000_000_500 })).toEqual({
      id: "switchyard/demo",
      object: "model",
      created: 1_700_000_000,
      owned_by: "switchyard",
    });
  });

  it("lists models in the order given", () => {
    const list = toModelList([
      { id: "b", nodes: 1, createdUnixMs: 0 },
      { id: "a", nodes: 1, createdUnixMs: 0 },
    ]);
    expect(list.object).toBe("list");
    expect(list.data.map((m) => m.id)).toEqual(["b", "a"]);
  });
});
