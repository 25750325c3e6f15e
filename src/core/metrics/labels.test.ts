import { describe, expect, it } from "vitest";
import { BoundedLabel, methodLabel, OVERFLOW_LABEL, statusClass } from "./labels.js";

describe("metric labels", () => {
  it("BoundedLabel passes the first values through and maps later new ones to 'other'", () => {
    const label = new BoundedLabel(2);
    expect(label.of("chat")).toBe("chat");
    expect(label.of("echo")).toBe("echo");
    expect(label.of("summarize")).toBe(OVERFLOW_LABEL);
    expect(label.of("chat")).toBe("chat");
    expect(() => new BoundedLabel(0)).toThrow(RangeError);
  });

  it("classes status codes and bounds methods", () => {
    expect([200, 201, 304, 404, 429, 503].map(statusClass)).toEqual([
      "2xx",
      "2xx",
      "3xx",
      "4xx",
      "4xx",
      "5xx",
    ]);
    expect(statusClass(0)).toBe("unknown");
    expect(methodLabel("get")).toBe("GET");
    expect(methodLabel("PROPFIND")).toBe("OTHER");
    expect(methodLabel(undefined)).toBe("OTHER");
  });
});
