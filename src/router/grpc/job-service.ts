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
import type { Job, JobOutput, JobSink } from "../jobs/job.js";
import { toJobSpec } from "../jobs/validate.js";
import type { Router } from "../router.js";

/** A job's output as the wire's JobResult. */
export function toJobResult(out: JobOutput): JobResult {
  return {
    jobId: out.jobId,
    status: JobStatus.JOB_STATUS_SUCCEEDED,
    output: out.output,
    chunks: out.chunks,
    nodeIds: out.nodeIds,
    cost: out.cost,
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

/** Calls `fn` the first time only. */
function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let called = false;
  return (...args: A) => {
    if (called) return;
    called = true;
    fn(...args);
  };
}

/**
 * JobService: authenticates the caller (when billing is on), decodes the request, hands it to the
 * router, encodes the outcome. A client that goes away cancels its job.
 */
export function jobService(router: Router): JobServiceServer {
  async function start(
    call: ServerUnaryCall<SubmitJobRequest, unknown> | ServerWritableStream<SubmitJobRequest, unknown>,
    stream: boolean,
    sink: JobSink,
  ): Promise<Job> {
    const payer = router.billing ? await router.billing.principal(call.metadata) : undefined;
    const spec = toJobSpec(call.request, router.settings, stream, callBudgetMs(call));
    return router.submit(spec, sink, payer);
  }

  /** Runs the job and cancels it when the call is cancelled, whenever that happens. */
  function run(
    call: ServerUnaryCall<SubmitJobRequest, unknown> | ServerWritableStream<SubmitJobRequest, unknown>,
    stream: boolean,
    sink: JobSink,
    onStartError: (err: SwitchyardError) => void,
  ): void {
    let job: Job | undefined;
    let cancelled = false;
    call.on("cancelled", () => {
      cancelled = true;
      if (job) router.cancel(job);
    });
    start(call, stream, sink).then(
      (started) => {
        job = started;
        if (cancelled) router.cancel(started);
      },
      (err: unknown) => onStartError(toSwitchyardError(err)),
    );
  }

  return {
    submit(call: ServerUnaryCall<SubmitJobRequest, JobResult>, callback: sendUnaryData<JobResult>): void {
      const reply = once(callback);
      run(
        call,
        false,
        {
          onDelta: () => {},
          onResult: (out) => reply(null, toJobResult(out)),
          onError: (err) => reply(err.toGrpc()),
        },
        (err) => reply(err.toGrpc()),
      );
    },

    submitStream(call: ServerWritableStream<SubmitJobRequest, JobEvent>): void {
      const outbox = new Outbox<JobEvent>(call, coalesceDeltas);
      call.on("cancelled", () => outbox.close());
      const finish = once((error?: SwitchyardError): void => {
        outbox
          .flushed()
          .then(() => (error ? call.emit("error", error.toGrpc()) : call.end()))
          .catch(() => {});
      });
      run(
        call,
        true,
        {
          onDelta: (text, chunkIndex) =>
            outbox.send({ event: { $case: "delta", value: { text, chunkIndex } } }),
          onResult: (out) => {
            outbox.send({ event: { $case: "result", value: toJobResult(out) } });
            finish();
          },
          onError: (err) => finish(err),
        },
        (err) => finish(err),
      );
    },
  };
}
