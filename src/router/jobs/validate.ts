import { invalidArgument } from "../../core/errors.js";
import type { SubmitJobRequest } from "../../gen/switchyard/v1/job.js";
import type { RouterSettings } from "../options.js";
import type { JobSpec } from "./job.js";

const MAX_NAME = 128;
const MAX_MESSAGES = 10_000;

/**
 * Turns a submitted job into a JobSpec. Throws invalid_argument naming the field for a missing or
 * malformed value. The deadline is the request's (or the default), never more than the maximum, and
 * never past the gRPC call's own deadline.
 */
export function toJobSpec(
  req: SubmitJobRequest,
  settings: RouterSettings,
  stream: boolean,
  callDeadlineMs = Number.POSITIVE_INFINITY,
): JobSpec {
  const capability = req.capability.trim();
  if (capability === "") throw invalidArgument("capability is required", "capability");
  if (capability.length > MAX_NAME)
    throw invalidArgument(`capability is longer than ${MAX_NAME}`, "capability");
  if (req.model.length > 256) throw invalidArgument("model is longer than 256 characters", "model");
  if (req.language.length > MAX_NAME)
    throw invalidArgument(`language is longer than ${MAX_NAME}`, "language");
  if (req.messages.length > MAX_MESSAGES)
    throw invalidArgument(`at most ${MAX_MESSAGES} messages`, "messages");
  let size = req.content.length;
  for (const m of req.messages) {
    if (m.role.trim() === "") throw invalidArgument("every message needs a role", "messages");
    size += m.content.length;
  }
  if (size > settings.maxContentChars) {
    throw invalidArgument(`content is longer than ${settings.maxContentChars} characters`, "content");
  }
  if (req.maxCost < 0 || !Number.isInteger(req.maxCost)) {
    throw invalidArgument("max_cost must be a non-negative integer", "max_cost");
  }
  const asked = req.deadlineMs > 0 ? req.deadlineMs : settings.defaultDeadlineMs;
  const deadlineMs = Math.max(1, Math.min(asked, settings.maxDeadlineMs, callDeadlineMs));
  // A chat job may bring only the conversation: the node then gets the last user message as content.
  const lastUser = req.messages.findLast((m) => m.role === "user");
  const content = req.content === "" && lastUser ? lastUser.content : req.content;
  return {
    capability,
    content,
    params: req.params ?? {},
    model: req.model,
    language: req.language,
    messages: req.messages,
    preferLabels: req.preferLabels,
    deadlineMs,
    stream,
    maxCost: req.maxCost,
  };
}
