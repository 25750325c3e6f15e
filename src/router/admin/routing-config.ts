import { invalidArgument } from "../../core/errors.js";
import type { Billing } from "../billing/billing.js";
import type { RouterSettings } from "../options.js";

/** The routing configuration an administrator can change at run time, versioned as a whole. */
export interface RoutingConfig {
  weights: { capability: number; load: number; random: number };
  splitThreshold: number;
  maxChunks: number;
  /** Price per chunk by capability. */
  prices: Record<string, number>;
  defaultPrice: number;
  defaultDeadlineMs: number;
  maxDeadlineMs: number;
  maxAttempts: number;
}

function wholeNumber(value: number, name: string, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidArgument(`${name} must be a whole number from ${min} to ${max}`, name);
  }
}

/** Checks a configuration; throws invalid_argument naming the field. */
export function validateRoutingConfig(config: RoutingConfig): RoutingConfig {
  const w = config.weights;
  for (const [name, value] of Object.entries(w)) {
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw invalidArgument(`weight ${name} must be between 0 and 1`, `weight_${name}`);
    }
  }
  if (w.capability + w.load + w.random <= 0)
    throw invalidArgument("the weights must not all be 0", "weights");
  wholeNumber(config.splitThreshold, "split_threshold", 1, 100_000_000);
  wholeNumber(config.maxChunks, "max_chunks", 1, 1_024);
  wholeNumber(config.defaultPrice, "default_price", 0, 1_000_000_000);
  for (const [capability, price] of Object.entries(config.prices)) {
    if (capability.trim() === "") throw invalidArgument("prices need a capability name", "prices");
    wholeNumber(price, `prices.${capability}`, 0, 1_000_000_000);
  }
  wholeNumber(config.defaultDeadlineMs, "default_deadline_ms", 1, 86_400_000);
  wholeNumber(config.maxDeadlineMs, "max_deadline_ms", 1, 86_400_000);
  if (config.defaultDeadlineMs > config.maxDeadlineMs) {
    throw invalidArgument("default_deadline_ms must not exceed max_deadline_ms", "default_deadline_ms");
  }
  wholeNumber(config.maxAttempts, "max_attempts", 1, 100);
  return config;
}

/** The configuration a router runs with now. */
export function currentRoutingConfig(settings: RouterSettings, billing: Billing | undefined): RoutingConfig {
  return {
    weights: { ...settings.weights },
    splitThreshold: settings.splitThreshold,
    maxChunks: settings.maxChunks,
    prices: billing?.priceList() ?? {},
    defaultPrice: billing?.defaultPrice ?? 0,
    defaultDeadlineMs: settings.defaultDeadlineMs,
    maxDeadlineMs: settings.maxDeadlineMs,
    maxAttempts: settings.maxAttempts,
  };
}

/** Puts a configuration in force: jobs submitted from now on use it. */
export function applyRoutingConfig(
  config: RoutingConfig,
  settings: RouterSettings,
  billing: Billing | undefined,
): void {
  settings.weights = { ...config.weights };
  settings.splitThreshold = config.splitThreshold;
  settings.maxChunks = config.maxChunks;
  settings.defaultDeadlineMs = config.defaultDeadlineMs;
  settings.maxDeadlineMs = config.maxDeadlineMs;
  settings.maxAttempts = config.maxAttempts;
  billing?.setPrices(config.prices, config.defaultPrice);
}
