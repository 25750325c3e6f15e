import { parseArgs } from "node:util";

/** Thrown for a bad command line; the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

type OptionSpec = { type: "string" | "boolean"; multiple?: boolean; short?: string };

/** Parses flags strictly: unknown flags and stray arguments are usage errors. */
export function parseFlags<T extends Record<string, OptionSpec>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** A flag's integer value within bounds, or the fallback when absent. */
export function intFlag(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** Splits repeated and comma-separated values: `--x a,b --x c` → [a, b, c]. */
export function listFlag(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** Parses `--label key=value` pairs. */
export function labelFlags(values: string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of values ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--label must be key=value, got "${pair}"`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}
