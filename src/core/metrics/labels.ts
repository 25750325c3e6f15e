/** The value a bounded label takes once its limit of distinct values is reached. */
export const OVERFLOW_LABEL = "other";

/**
 * Keeps a label's set of values bounded: the first `limit` distinct values pass through, later new ones
 * become "other". A guard for labels whose values come from outside (capability names nodes declare),
 * so a misbehaving node cannot make the metric series grow without end.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit = 100) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError("BoundedLabel limit must be ≥ 1");
  }

  /** The label value to use for `value`. */
  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return OVERFLOW_LABEL;
    this.seen.add(value);
    return value;
  }
}

/** "2xx", "4xx", …: the class of an HTTP status code. */
export function statusClass(code: number): string {
  return code >= 100 && code < 600 ? `${Math.floor(code / 100)}xx` : "unknown";
}

const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The request method as a label: the common ones as they are, anything else "OTHER". */
export function methodLabel(method: string | undefined): string {
  const upper = (method ?? "").toUpperCase();
  return HTTP_METHODS.has(upper) ? upper : "OTHER";
}
