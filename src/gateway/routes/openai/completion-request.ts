import type { JobRequest } from "../../../client/types.js";
import { invalidArgument } from "../../../core/errors.js";
import {
  bodyObject,
  checkSingleChoice,
  type FieldKind,
  requiredModel,
  samplingParams,
  streamFlags,
} from "./fields.js";
import { type JobExtras, routingModel } from "./job-common.js";

/** The sampling fields of a legacy completion request that are passed to the node as `params`. */
const COMPLETION_SAMPLING: Readonly<Record<string, FieldKind>> = {
  max_tokens: "positiveInteger",
  temperature: "number",
  top_p: "number",
  presence_penalty: "number",
  frequency_penalty: "number",
  stop: "stop",
  seed: "integer",
};

/** A validated `POST /v1/completions` body. Fields the gateway does not serve are dropped. */
export interface CompletionRequest {
  model: string;
  prompt: string;
  stream: boolean;
  includeUsage: boolean;
  params: Record<string, unknown>;
}

function parsePrompt(value: unknown): string {
  if (value === undefined || value === null) throw invalidArgument("'prompt' is required.", "prompt");
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === "string") return value[0];
  throw invalidArgument("'prompt' must be a string or an array of exactly one string.", "prompt");
}

/** Validates a legacy completion body. Throws invalid_argument naming the field at fault. */
export function parseCompletionRequest(body: unknown): CompletionRequest {
  const obj = bodyObject(body);
  const model = requiredModel(obj);
  const prompt = parsePrompt(obj.prompt);
  const { stream, includeUsage } = streamFlags(obj);
  checkSingleChoice(obj.n);
  const params = samplingParams(obj, COMPLETION_SAMPLING);
  return { model, prompt, stream, includeUsage, params };
}

/** The job for a completion request: capability "completion" with the prompt as content. */
export function toCompletionJob(request: CompletionRequest, extras: JobExtras = {}): JobRequest {
  const job: JobRequest = {
    capability: "completion",
    model: routingModel(request.model),
    content: request.prompt,
    params: request.params,
  };
  if (extras.deadlineMs !== undefined) job.deadlineMs = extras.deadlineMs;
  return job;
}
