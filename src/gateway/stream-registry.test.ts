import { describe, expect, it, vi } from "vitest";
import { StreamRegistry } from "./stream-registry.js";

describe("StreamRegistry", () => {
  it("closes the open streams, and only those", () => {
    const registry = new StreamRegistry();
    const open = vi.fn();
    const ended = vi.fn();
    registry.add(open);
    const unregister = registry.add(ended);
    unregister();
    expect(registry.size).toBe(1);
    registry.closeAll();
    expect(open).toHaveBeenCalledOnce();
    expect(ended).not.toHaveBeenCalled();
    expect(registry.size).toBe(0);
  });

  it("runs every closer even when one throws, and is idempotent", () => {
    const registry = new StreamRegistry();
    const second = vi.fn();
    registry.add(() => {
      throw new Error("boom");
    });
    registry.add(second);
    registry.closeAll();
    registry.closeAll();
    expect(second).toHaveBeenCalledOnce();
  });

  it("closes a stream registered after closeAll at once", () => {
    const registry = new StreamRegistry();
    registry.closeAll();
    const late = vi.fn();
    registry.add(late);
    expect(late).toHaveBeenCalledOnce();
    expect(registry.size).toBe(0);
  });
});
