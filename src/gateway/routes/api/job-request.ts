import type { JobRequest } from "../../../client/types.js";
import { invalidArgument } from "../../../core/errors.js";
import {
  bodyObject,
  isJsonObject,
  type JsonObject,
  optionalBoolean,
  optionalInteger,
  optionalString,
} from "../openai/fields.js";

/** Largest `deadline_ms`: the range of the contract's `uint32 deadline_ms`. */
const MAX_DEADLINE_MS = 4_294_967_295;

/** A validated `POST /api/v1/jobs` body. */
export interface ApiJobRequest {
  job: JobRequest;
  /** `stream: true`: answer with Server-Sent Events. */
  stream: boolean;
}

function requiredTaskType(value: unknown): string {
  if (value === undefined || value === null) throw invalidArgument("'task_type' is required.", "task_type");
  if (typeof value !== "string" || value.trim() === "") {
    throw invalidArgument("'task_type' must be a non-empty string.", "task_type");
  }
  return value;
}

function requiredContent(value: unknown): string {
  if (value === undefined || value === null) throw invalidArgument("'content' is required.", "content");
  if (typeof value !== "string") throw invalidArgument("'content' must be a string.", "content");
  return value;
}

function optionalParams(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw invalidArgument("'params' must be a JSON object.", "params");
  return value;
}

/** A whole number of credits, 0 or more. Absent and 0 both mean no limit, as in the gRPC contract. */
function optionalMaxCost(value: unknown): number | undefined {
  const message = "'max_cost' must be a whole number of credits, 0 or more.";
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(message, "max_cost");
  }
  return value;
}

function optionalDeadline(value: unknown): number | undefined {
  const ms = optionalInteger(value, "deadline_ms");
  if (ms !== undefined && (ms < 1 || ms > MAX_DEADLINE_MS)) {
    throw invalidArgument("'deadline_ms' must be a positive whole number of milliseconds.", "deadline_ms");
  }
  return ms;
}

/**
 * The job fields both job routes share: `task_type` (required, non-empty), `content` (required string),
 * `params` (object), `max_cost` (integer ≥ 0), `deadline_ms` (integer ≥ 1), `model` and `language`
 * (strings). An explicit null counts as absent; unknown fields are ignored. Throws invalid_argument
 * naming the field at fault.
 */
export function parseJobFields(obj: JsonObject): JobRequest {
  const job: JobRequest = {
    capability: requiredTaskType(obj.task_type),
    content: requiredContent(obj.content),
  };
  const params = optionalParams(obj.params);
  if (params !== undefined) job.params = params;
  const maxCost = optionalMaxCost(obj.max_cost);
  if (maxCost !== undefined) job.maxCost = maxCost;
  const deadlineMs = optionalDeadline(obj.deadline_ms);
  if (deadlineMs !== undefined) job.deadlineMs = deadlineMs;
  const model = optionalString(obj.model, "model");
  if (model !== undefined) job.model = model;
  const language = optionalString(obj.language, "language");
  if (language !== undefined) job.language = language;
  return job;
}

/** Validates a `POST /api/v1/jobs` body. Throws invalid_argument naming the field at fault. */
export function parseApiJobRequest(body: unknown): ApiJobRequest {
  const obj = bodyObject(body);
  const job = parseJobFields(obj);
  return { job, stream: optionalBoolean(obj.stream, "stream") ?? false };
}
