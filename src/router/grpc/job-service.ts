import type { ServerUnaryCall, ServerWritableStream, sendUnaryData } from "@grpc/grpc-js";
import { type SwitchyardError, toSwitchyardError } from "../../core/errors.js";
import { Outbox } from "../../core/outbox.js";
import {
  type JobEvent,
  type JobResult,
  type JobServiceServer,
  JobStatus,
  type SubmitJobRequest,
} from "../../gen/switchyard/v1/job.js";
import type { JobOutput } from "../jobs/job.js";
import { toJobSpec } from "../jobs/validate.js";
import type { Router } from "../router.js";

function toJobResult(out: JobOutput): JobResult {
  return {
    jobId: out.jobId,
    status: JobStatus.JOB_STATUS_SUCCEEDED,
    output: out.output,
    chunks: out.chunks,
    nodeIds: out.nodeIds,
    cost: 0,
    durationMs: out.durationMs,
    usage: out.usage,
    model: out.model,
  };
}

/** Milliseconds left before the gRPC call's own deadline, or Infinity. */
function callBudgetMs(call: { getDeadline(): Date | number }): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? Math.max(1, at - Date.now()) : Number.POSITIVE_INFINITY;
}

/** Merges two waiting deltas of the same chunk, so a slow reader does not queue one message per piece. */
function coalesceDeltas(last: JobEvent, next: JobEvent): JobEvent | undefined {
  const a = last.event;
  const b = next.event;
  if (a?.$case !== "delta" || b?.$case !== "delta" || a.value.chunkIndex !== b.value.chunkIndex)
    return undefined;
  return {
    event: { $case: "delta", value: { text: a.value.text + b.value.text, chunkIndex: a.value.chunkIndex } },
  };
}

/** JobService: decodes a request, hands it to the router, encodes the outcome. */
export function jobService(router: Router): JobServiceServer {
  return {
    submit(call: ServerUnaryCall<SubmitJobRequest, JobResult>, callback: sendUnaryData<JobResult>): void {
      try {
        const spec = toJobSpec(call.request, router.settings, false, callBudgetMs(call));
        const job = router.submit(spec, {
          onDelta: () => {},
          onResult: (out) => callback(null, toJobResult(out)),
          onError: (err) => callback(err.toGrpc()),
        });
        call.on("cancelled", () => router.cancel(job));
      } catch (err) {
        callback(toSwitchyardError(err).toGrpc());
      }
    },

    submitStream(call: ServerWritableStream<SubmitJobRequest, JobEvent>): void {
      const outbox = new Outbox<JobEvent>(call, coalesceDeltas);
      let over = false;
      const finish = (error?: SwitchyardError): void => {
        if (over) return;
        over = true;
        outbox
          .flushed()
          .then(() => (error ? call.emit("error", error.toGrpc()) : call.end()))
          .catch(() => {});
      };
      try {
        const spec = toJobSpec(call.request, router.settings, true, callBudgetMs(call));
        const job = router.submit(spec, {
          onDelta: (text, chunkIndex) =>
            outbox.send({ event: { $case: "delta", value: { text, chunkIndex } } }),
          onResult: (out) => {
            outbox.send({ event: { $case: "result", value: toJobResult(out) } });
            finish();
          },
          onError: (err) => finish(err),
        });
        call.on("cancelled", () => {
          over = true;
          outbox.close();
          router.cancel(job);
        });
      } catch (err) {
        finish(toSwitchyardError(err));
      }
    },
  };
}
