import { invalidArgument } from "../core/errors.js";
import type { JobResult, SubmitJobRequest } from "../gen/switchyard/v1/job.js";
import type { JobOutcome, JobRequest } from "./types.js";

/** JobRequest → the wire message. Throws invalid_argument for values the wire cannot carry. */
export function toSubmitRequest(req: JobRequest): SubmitJobRequest {
  if (req.maxCost !== undefined && (!Number.isSafeInteger(req.maxCost) || req.maxCost < 0)) {
    throw invalidArgument("max_cost must be a whole number of credits, 0 or more", "max_cost");
  }
  if (req.deadlineMs !== undefined && (!Number.isSafeInteger(req.deadlineMs) || req.deadlineMs < 0)) {
    throw invalidArgument("deadline_ms must be a whole number of milliseconds, 0 or more", "deadline_ms");
  }
  return {
    capability: req.capability,
    content: req.content ?? "",
    params: req.params ?? {},
    model: req.model ?? "",
    language: req.language ?? "",
    messages: (req.messages ?? []).map((m) => ({ role: m.role, content: m.content, name: m.name ?? "" })),
    deadlineMs: req.deadlineMs ?? 0,
    maxCost: req.maxCost ?? 0,
    preferLabels: req.preferLabels ?? {},
  };
}

/** The wire result → JobOutcome. */
export function toOutcome(result: JobResult): JobOutcome {
  return {
    jobId: result.jobId,
    output: result.output,
    chunks: result.chunks,
    nodeIds: result.nodeIds,
    cost: result.cost,
    durationMs: result.durationMs,
    usage: result.usage,
    model: result.model,
  };
}
