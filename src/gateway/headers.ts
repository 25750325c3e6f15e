import { invalidArgument } from "../core/errors.js";

/** Request header with the job deadline in milliseconds from submission. */
export const DEADLINE_HEADER = "x-switchyard-deadline-ms";

/** Largest deadline the header may carry: the range of the contract's `uint32 deadline_ms`. */
const MAX_DEADLINE_MS = 4_294_967_295;

type HeaderValue = string | string[] | undefined;

function single(value: HeaderValue, name: string): string | undefined {
  if (Array.isArray(value)) {
    if (value.length > 1) throw invalidArgument(`Send the ${name} header only once.`, name);
    return value[0];
  }
  return value;
}

/**
 * Reads the `x-switchyard-deadline-ms` header: absent means the router's default; otherwise it must be
 * a positive integer (the router lowers values above its maximum). Throws invalid_argument, with the
 * header's name as `param`, for anything else.
 */
export function parseDeadlineHeader(value: HeaderValue): number | undefined {
  const raw = single(value, DEADLINE_HEADER)?.trim();
  if (raw === undefined || raw === "") return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 1 || ms > MAX_DEADLINE_MS) {
    throw invalidArgument(
      `${DEADLINE_HEADER} must be a positive integer number of milliseconds.`,
      DEADLINE_HEADER,
    );
  }
  return ms;
}

/**
 * The API key from an `Authorization: Bearer <key>` header, or undefined when the header is absent or
 * uses another scheme. The key is not checked here; the router authenticates it.
 */
export function bearerKey(value: HeaderValue): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(raw);
  return match?.[1];
}
