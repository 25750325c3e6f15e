/**
 * The scenarios with a target measure their baseline twice, once before Switchyard's run and once
 * after it, and compare against the better of the two: a machine that slows down (or speeds up) during
 * a scenario then cannot make Switchyard look better than it is.
 */
import { round } from "./report.js";

/** Which figure decides between two baseline runs, and which way is better. */
export interface BaselineRule<T> {
  /** How the figure is named in the note: "rate", "p99", "TTFT p99". */
  name: string;
  unit: string;
  /** Decimals of the figures in the note. */
  digits: number;
  figure(run: T): number;
  higherIsBetter: boolean;
  /** A run's failed requests, named in the note when the run not taken had any. */
  errors(run: T): number;
}

export interface BaselinePick<T> {
  run: T;
  /** Says which run was taken and both figures, for the notes under the table. */
  note: string;
}

/**
 * The better of the baseline runs before and after Switchyard's: a run without errors over one with
 * them, else the better figure; the first on a tie.
 */
export function pickBaseline<T>(before: T, after: T, rule: BaselineRule<T>): BaselinePick<T> {
  const a = rule.figure(before);
  const b = rule.figure(after);
  const failedBefore = rule.errors(before) > 0;
  const failedAfter = rule.errors(after) > 0;
  const afterHasBetterFigure = rule.higherIsBetter ? b > a : b < a;
  const afterIsBetter = failedBefore === failedAfter ? afterHasBetterFigure : failedBefore;
  const reason =
    failedBefore === failedAfter
      ? `the ${rule.higherIsBetter ? "higher" : "lower"} ${rule.name}`
      : "the one without errors";
  const leftErrors = rule.errors(afterIsBetter ? before : after);
  return {
    run: afterIsBetter ? after : before,
    note:
      `${reason} of two runs, before and after Switchyard's ` +
      `(${rule.name} ${round(a, rule.digits)} and ${round(b, rule.digits)} ${rule.unit}` +
      (leftErrors > 0
        ? `; **⚠ ${leftErrors} error${leftErrors === 1 ? "" : "s"} in the run not taken**`
        : "") +
      ")",
  };
}
