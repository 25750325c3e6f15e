import { describe, expect, it } from "vitest";
import { SwitchyardError } from "../../core/errors.js";
import type { Register } from "../../gen/switchyard/v1/node.js";
import { nodeIdFor, validateRegistration } from "./register.js";

const base: Register = {
  name: "n1",
  capabilities: ["echo", "echo", "upper"],
  languages: [],
  models: [],
  maxConcurrency: 4,
  labels: { region: "eu" },
  sdkVersion: "x",
  splittable: ["upper"],
  acceptsBatches: false,
};

describe("validateRegistration", () => {
  it("accepts a good registration and de-duplicates lists", () => {
    const v = validateRegistration(base);
    expect(v).not.toBeInstanceOf(SwitchyardError);
    expect(v).toMatchObject({ capabilities: ["echo", "upper"], splittable: ["upper"] });
  });

  it.each<[string, Partial<Register>, string]>([
    ["blank name", { name: "   " }, "name"],
    ["long name", { name: "x".repeat(129) }, "name"],
    ["no capability", { capabilities: [] }, "capabilities"],
    ["65 capabilities", { capabilities: Array.from({ length: 65 }, (_, i) => `c${i}`) }, "capabilities"],
    ["concurrency 0", { maxConcurrency: 0 }, "max_concurrency"],
    ["concurrency 1025", { maxConcurrency: 1025 }, "max_concurrency"],
    ["undeclared splittable", { splittable: ["reverse"] }, "splittable"],
  ])("refuses %s", (_what, over, param) => {
    const v = validateRegistration({ ...base, ...over });
    expect(v).toBeInstanceOf(SwitchyardError);
    expect(v).toMatchObject({ code: "invalid_argument", param });
  });

  it("derives a stable id from operator and name", () => {
    expect(nodeIdFor("op", "n1")).toBe(nodeIdFor("op", "n1"));
    expect(nodeIdFor("op", "n1")).not.toBe(nodeIdFor("op2", "n1"));
    expect(nodeIdFor("op", "n1")).toMatch(/^nd_[0-9a-f]{24}$/);
  });
});
