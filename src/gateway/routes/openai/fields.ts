import { invalidArgument } from "../../../core/errors.js";

/** A decoded JSON object. */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The request body as a JSON object, or invalid_argument. */
export function bodyObject(body: unknown): JsonObject {
  if (!isJsonObject(body)) throw invalidArgument("The request body must be a JSON object.");
  return body;
}

/*
 * Readers for optional fields. As in the OpenAI API, an explicit `null` counts as absent. Each throws
 * invalid_argument naming the field (`param`) when the value has the wrong type.
 */

/** A required, non-empty `model` string. */
export function requiredModel(obj: JsonObject): string {
  const model = obj.model;
  if (model === undefined || model === null)
    throw invalidArgument("You must provide a model parameter.", "model");
  if (typeof model !== "string" || model.trim() === "") {
    throw invalidArgument("'model' must be a non-empty string.", "model");
  }
  return model;
}

/** An optional boolean. */
export function optionalBoolean(value: unknown, param: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw invalidArgument(`'${param}' must be a boolean.`, param);
  return value;
}

/** An optional string. */
export function optionalString(value: unknown, param: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidArgument(`'${param}' must be a string.`, param);
  return value;
}

/** An optional finite number. */
export function optionalNumber(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalidArgument(`'${param}' must be a number.`, param);
  }
  return value;
}

/** An optional integer (within the safe range). */
export function optionalInteger(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw invalidArgument(`'${param}' must be an integer.`, param);
  }
  return value;
}

/** An optional integer of at least 1. */
export function optionalPositiveInteger(value: unknown, param: string): number | undefined {
  const n = optionalInteger(value, param);
  if (n !== undefined && n < 1) throw invalidArgument(`'${param}' must be a positive integer.`, param);
  return n;
}

/** An optional stop sequence: a string or an array of strings. */
export function optionalStop(value: unknown, param: string): string | string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((s) => typeof s === "string")) return value as string[];
  throw invalidArgument(`'${param}' must be a string or an array of strings.`, param);
}

/** `n`, of which only 1 is served: each job produces one answer. */
export function checkSingleChoice(value: unknown): void {
  const n = optionalInteger(value, "n");
  if (n !== undefined && n !== 1) throw invalidArgument("Only n=1 is supported.", "n");
}

/** The `stream` flag and `stream_options.include_usage`. */
export function streamFlags(obj: JsonObject): { stream: boolean; includeUsage: boolean } {
  const stream = optionalBoolean(obj.stream, "stream") ?? false;
  const options = obj.stream_options;
  if (options === undefined || options === null) return { stream, includeUsage: false };
  if (!isJsonObject(options)) throw invalidArgument("'stream_options' must be an object.", "stream_options");
  const includeUsage = optionalBoolean(options.include_usage, "stream_options.include_usage") ?? false;
  return { stream, includeUsage };
}

/** How a sampling field is checked. */
export type FieldKind = "number" | "integer" | "positiveInteger" | "stop";

const READERS: Record<FieldKind, (value: unknown, param: string) => unknown> = {
  number: optionalNumber,
  integer: optionalInteger,
  positiveInteger: optionalPositiveInteger,
  stop: optionalStop,
};

/**
 * Reads the sampling fields listed in `spec` and returns the ones given, under their OpenAI
 * (snake_case) names, for the job's `params`.
 */
export function samplingParams(
  obj: JsonObject,
  spec: Readonly<Record<string, FieldKind>>,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(spec)) {
    const value = READERS[kind](obj[name], name);
    if (value !== undefined) params[name] = value;
  }
  return params;
}
