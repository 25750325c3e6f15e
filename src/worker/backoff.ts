/** Reconnect back-off settings, all in milliseconds except the factors. */
export interface BackoffPolicy {
  /** First delay. */
  initialDelayMs: number;
  /** Largest delay. */
  maxDelayMs: number;
  /** Growth per failed attempt. */
  multiplier: number;
  /** Share of the delay randomised either way, 0..1. */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 0.2,
});

/**
 * Delay before reconnect attempt `attempt` (0-based): initial · multiplier^attempt, capped, then spread
 * by ±jitter so that nodes dropped together do not return together.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt));
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base + spread));
}
