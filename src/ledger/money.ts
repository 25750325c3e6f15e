import { invalidArgument, SwitchyardError } from "../core/errors.js";

/**
 * Reads a BIGINT or NUMERIC from a driver (pg gives strings, PGlite numbers) as a JS integer. Throws
 * `internal` if the value is not a safe integer: ledger amounts stay far below 2^53.
 */
export function toInt(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === "number" ? value : Number(value as string | bigint);
  if (!Number.isSafeInteger(n)) {
    throw new SwitchyardError("internal", "ledger value is not a safe integer", { cause: value });
  }
  return n;
}

/** Reads a timestamp column as epoch ms. */
export function toMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  return new Date(String(value)).getTime();
}

/** Throws `invalid_argument` unless `value` is a positive safe integer. */
export function requirePositiveInt(value: number, param: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw invalidArgument(`${param} must be a positive integer`, param);
  }
  return value;
}

/** Throws `invalid_argument` unless `value` is a non-empty string of at most `max` characters. */
export function requireText(value: unknown, param: string, max = 200): string {
  if (typeof value !== "string" || value.length === 0 || value.length > max) {
    throw invalidArgument(`${param} must be a non-empty string of at most ${max} characters`, param);
  }
  return value;
}
