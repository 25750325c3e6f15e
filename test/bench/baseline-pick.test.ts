import { describe, expect, it } from "vitest";
import { type BaselineRule, pickBaseline } from "../../bench/baseline-pick.js";

interface Run {
  rate: number;
  p99: number;
  errors: number;
}

const rate: BaselineRule<Run> = {
  name: "rate",
  unit: "req/s",
  digits: 1,
  figure: (run) => run.rate,
  higherIsBetter: true,
  errors: (run) => run.errors,
};
const p99: BaselineRule<Run> = {
  ...rate,
  name: "p99",
  unit: "ms",
  digits: 2,
  figure: (run) => run.p99,
  higherIsBetter: false,
};

describe("pickBaseline", () => {
  it("takes the higher rate, whichever side it was measured on", () => {
    const slow = { rate: 4557, p99: 30, errors: 0 };
    const fast = { rate: 5923, p99: 30, errors: 0 };
    expect(pickBaseline(slow, fast, rate).run).toBe(fast);
    expect(pickBaseline(fast, slow, rate).run).toBe(fast);
  });

  it("takes the lower p99 when lower is better, and names both figures", () => {
    const before = { rate: 46, p99: 26.2, errors: 0 };
    const after = { rate: 46, p99: 25.87, errors: 0 };
    const pick = pickBaseline(before, after, p99);
    expect(pick.run).toBe(after);
    expect(pick.note).toBe(
      "the lower p99 of two runs, before and after Switchyard's (p99 26.2 and 25.87 ms)",
    );
  });

  it("keeps the run before on a tie", () => {
    const before = { rate: 100, p99: 20, errors: 0 };
    const after = { rate: 100, p99: 20, errors: 0 };
    expect(pickBaseline(before, after, rate).run).toBe(before);
  });

  it("prefers a run without errors to a better figure with them, and says what it left", () => {
    const clean = { rate: 2900, p99: 25, errors: 0 };
    // A run that failed may look best: few answers, all quick.
    const failed = { rate: 3100, p99: 1, errors: 12 };
    const byRate = pickBaseline(failed, clean, rate);
    expect(byRate.run).toBe(clean);
    expect(byRate.note).toBe(
      "the one without errors of two runs, before and after Switchyard's (rate 3100 and 2900 req/s; **⚠ 12 errors in the run not taken**)",
    );
    expect(pickBaseline(clean, failed, p99).run).toBe(clean);
  });

  it("between two runs with errors, goes by the figure", () => {
    const a = { rate: 2000, p99: 25, errors: 1 };
    const b = { rate: 2500, p99: 25, errors: 3 };
    const pick = pickBaseline(a, b, rate);
    expect(pick.run).toBe(b);
    expect(pick.note).toContain("1 error in the run not taken");
  });
});
