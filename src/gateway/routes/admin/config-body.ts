import type { RoutingConfigValues, RoutingConfigVersion } from "../../../client/types.js";
import { invalidArgument } from "../../../core/errors.js";

/** snake_case JSON field → RoutingConfigValues field, for the numeric fields. */
const NUMERIC: Record<string, keyof Omit<RoutingConfigValues, "prices">> = {
  weight_capability: "weightCapability",
  weight_load: "weightLoad",
  weight_random: "weightRandom",
  split_threshold: "splitThreshold",
  max_chunks: "maxChunks",
  default_price: "defaultPrice",
  default_deadline_ms: "defaultDeadlineMs",
  max_deadline_ms: "maxDeadlineMs",
  max_attempts: "maxAttempts",
};

/** The configuration as JSON. */
export function toConfigBody(v: RoutingConfigVersion): Record<string, unknown> {
  const c = v.config;
  return {
    version: v.version,
    author: v.author,
    note: v.note,
    created_at: new Date(v.createdUnixMs).toISOString(),
    config: {
      weight_capability: c.weightCapability,
      weight_load: c.weightLoad,
      weight_random: c.weightRandom,
      split_threshold: c.splitThreshold,
      max_chunks: c.maxChunks,
      prices: c.prices,
      default_price: c.defaultPrice,
      default_deadline_ms: c.defaultDeadlineMs,
      max_deadline_ms: c.maxDeadlineMs,
      max_attempts: c.maxAttempts,
    },
  };
}

/**
 * Applies a partial change (`{config: {max_attempts: 5, prices: {...}}, note}`) to the current
 * configuration. Unknown fields and wrong types are invalid_argument naming the field; the router
 * checks the values' ranges.
 */
export function mergeConfig(
  current: RoutingConfigValues,
  body: unknown,
): { config: RoutingConfigValues; note: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw invalidArgument("a JSON object is required");
  const { config, note } = body as { config?: unknown; note?: unknown };
  if (note !== undefined && typeof note !== "string") throw invalidArgument("note must be a string", "note");
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw invalidArgument("config must be an object of the fields to change", "config");
  }
  const next: RoutingConfigValues = { ...current, prices: { ...current.prices } };
  for (const [field, value] of Object.entries(config)) {
    if (field === "prices") {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw invalidArgument("prices must be an object of capability → credits", "prices");
      }
      const prices: Record<string, number> = {};
      for (const [capability, price] of Object.entries(value)) {
        if (typeof price !== "number")
          throw invalidArgument(`prices.${capability} must be a number`, "prices");
        prices[capability] = price;
      }
      next.prices = prices;
      continue;
    }
    const key = NUMERIC[field];
    if (!key) throw invalidArgument(`unknown configuration field "${field}"`, field);
    if (typeof value !== "number") throw invalidArgument(`${field} must be a number`, field);
    next[key] = value;
  }
  return { config: next, note: note ?? "" };
}
