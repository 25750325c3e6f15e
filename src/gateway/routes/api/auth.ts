import type { FastifyReply, FastifyRequest } from "fastify";
import type { CallOptions } from "../../../client/types.js";
import { ErrorCode, invalidArgument, SwitchyardError } from "../../../core/errors.js";
import { abortOnDisconnect } from "../../disconnect.js";
import { bearerKey } from "../../headers.js";

/** The per-request inputs of a backend call made on behalf of a key holder. */
export interface KeyedCall {
  /** Aborts when the client disconnects before the response is complete. */
  controller: AbortController;
  /** The caller's API key and a signal tied to the client's connection. */
  options: CallOptions & { apiKey: string };
}

/** The error for a protected route called without a key. */
export function missingKey(): SwitchyardError {
  return new SwitchyardError(
    ErrorCode.Unauthenticated,
    "An API key is required: send it as 'Authorization: Bearer <key>'.",
  );
}

/**
 * An API key sent somewhere other than the Authorization header (the seed system's `api_key` body
 * field or query parameter): undefined when absent or empty, invalid_argument naming `param` when it is
 * not a single string.
 */
export function legacyKey(value: unknown, param: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidArgument(`'${param}' must be a string.`, param);
  const key = value.trim();
  return key === "" ? undefined : key;
}

/**
 * The caller's API key: the `Authorization: Bearer` header, else `fallback` (a key the seed system's
 * clients send in the body or query). Throws unauthenticated when there is none. The key is only
 * passed on; the router decides whether it is valid.
 */
export function requireKey(request: FastifyRequest, fallback?: string): string {
  const key = bearerKey(request.headers.authorization) ?? fallback;
  if (key === undefined) throw missingKey();
  return key;
}

/** The options of a backend call for `apiKey`, with a signal that aborts when the client disconnects. */
export function keyedCall(reply: FastifyReply, apiKey: string): KeyedCall {
  const controller = abortOnDisconnect(reply.raw);
  return { controller, options: { signal: controller.signal, apiKey } };
}
