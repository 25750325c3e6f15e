import { describe, expect, it } from "vitest";
import { nodeRecord } from "./records.test-util.js";
import { DirectoryView } from "./view.js";

describe("DirectoryView", () => {
  it("indexes records by capability and keeps the index right on replace and delete", () => {
    const view = new DirectoryView();
    const a = nodeRecord("a", "r", { capabilities: ["echo", "upper"] });
    view.set(a);
    view.set(nodeRecord("b", "r", { capabilities: ["echo"] }));
    expect(view.withCapability("echo").map((r) => r.id)).toEqual(["a", "b"]);
    expect(view.withCapability("upper")).toEqual([a]);

    const a2 = nodeRecord("a", "r", { capabilities: ["reverse"] });
    view.set(a2);
    expect(view.get("a")).toBe(a2);
    expect(view.withCapability("upper")).toEqual([]);
    expect(view.withCapability("reverse")).toEqual([a2]);
    expect(view.withCapability("echo").map((r) => r.id)).toEqual(["b"]);

    expect(view.delete("b")).toBe(true);
    expect(view.delete("b")).toBe(false);
    expect(view.withCapability("echo")).toEqual([]);
    expect(view.list()).toEqual([a2]);
    expect(view.size).toBe(1);
  });

  it("returns cached arrays until the membership changes, and never changes an array handed out", () => {
    const view = new DirectoryView();
    const a = nodeRecord("a", "r");
    view.set(a);
    const list = view.list();
    const echo = view.withCapability("echo");
    expect(view.list()).toBe(list);
    expect(view.withCapability("echo")).toBe(echo);
    view.set(a); // the same object: nothing changes
    expect(view.list()).toBe(list);

    view.set(nodeRecord("b", "r"));
    expect(list.map((r) => r.id)).toEqual(["a"]);
    expect(echo.map((r) => r.id)).toEqual(["a"]);
    expect(view.list().map((r) => r.id)).toEqual(["a", "b"]);
    expect(view.withCapability("echo").map((r) => r.id)).toEqual(["a", "b"]);

    view.clear();
    expect(view.list()).toEqual([]);
    expect(view.get("a")).toBeUndefined();
  });
});
