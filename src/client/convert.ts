import type { JobResult, SubmitJobRequest } from "../gen/switchyard/v1/job.js";
import type { JobOutcome, JobRequest } from "./types.js";

/** JobRequest → the wire message. */
export function toSubmitRequest(req: JobRequest): SubmitJobRequest {
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
