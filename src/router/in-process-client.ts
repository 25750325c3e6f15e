import { type ClientOptions, SwitchyardClient } from "../client/client.js";
import { toSubmitRequest, toOutcome as wireToOutcome } from "../client/convert.js";
import type { CallOptions, JobOutcome, JobRequest, JobStreamEvent } from "../client/types.js";
import { ErrorCode, SwitchyardError, toSwitchyardError } from "../core/errors.js";
import { toJobResult } from "./grpc/job-service.js";
import type { Job, JobOutput, JobSink } from "./jobs/job.js";
import { toJobSpec } from "./jobs/validate.js";
import type { Router } from "./router.js";

/** A job's output as the client SDK gives it (the same conversion as over gRPC). */
function toOutcome(out: JobOutput): JobOutcome {
  return wireToOutcome(toJobResult(out));
}

function cancelledError(): SwitchyardError {
  return new SwitchyardError(ErrorCode.Cancelled, "the call was cancelled");
}

/**
 * A SwitchyardClient whose jobs run on a router in the same process (`switchyard all`): `submit` and
 * `submitStream` hand the job to the router directly, with the same key check, validation, billing and
 * errors as JobService over gRPC, but without encoding it, sending it over a loopback HTTP/2 connection
 * and decoding it again. Everything else (accounts, network, admin) still goes over gRPC to `routers`,
 * normally the same router's address.
 */
export class InProcessClient extends SwitchyardClient {
  constructor(
    private readonly router: Router,
    options: ClientOptions,
  ) {
    super(options);
  }

  override async submit(request: JobRequest, options: CallOptions = {}): Promise<JobOutcome> {
    options.signal?.throwIfAborted();
    const { signal } = options;
    return new Promise<JobOutcome>((resolve, reject) => {
      let job: Job | undefined;
      const onAbort = (): void => {
        if (job) this.router.cancel(job);
        else reject(cancelledError());
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = (): void => signal?.removeEventListener("abort", onAbort);
      this.start(request, options, false, {
        onDelta: () => {},
        onResult: (out) => {
          settle();
          resolve(toOutcome(out));
        },
        onError: (err) => {
          settle();
          reject(err);
        },
      }).then(
        (started) => {
          job = started;
          if (signal?.aborted) this.router.cancel(started);
        },
        (err: unknown) => {
          settle();
          reject(toSwitchyardError(err));
        },
      );
    });
  }

  override async *submitStream(
    request: JobRequest,
    options: CallOptions = {},
  ): AsyncGenerator<JobStreamEvent> {
    options.signal?.throwIfAborted();
    // Events wait here until the loop takes them; deltas of one chunk that wait together are merged,
    // so a slow reader holds at most the job's text, never one entry per piece.
    const waiting: JobStreamEvent[] = [];
    let failure: SwitchyardError | undefined;
    let ended = false;
    let wake: (() => void) | undefined;
    const push = (): void => {
      wake?.();
      wake = undefined;
    };
    const job = await this.start(request, options, true, {
      onDelta: (text, chunkIndex) => {
        const last = waiting[waiting.length - 1];
        if (last?.type === "delta" && last.chunkIndex === chunkIndex) last.text += text;
        else waiting.push({ type: "delta", text, chunkIndex });
        push();
      },
      onResult: (out) => {
        waiting.push({ type: "result", result: toOutcome(out) });
        ended = true;
        push();
      },
      onError: (err) => {
        failure = err;
        ended = true;
        push();
      },
    }).catch((err: unknown) => {
      throw toSwitchyardError(err);
    });
    const onAbort = (): void => {
      this.router.cancel(job);
      push();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        const event = waiting.shift();
        if (event) {
          yield event;
          continue;
        }
        if (options.signal?.aborted) throw cancelledError();
        if (failure) throw failure;
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      // A loop left early (break, throw, abort) cancels the job; a finished job ignores it.
      this.router.cancel(job);
    }
  }

  /** Authenticates the caller (when billing is on), validates the request and starts the job. */
  private async start(
    request: JobRequest,
    options: CallOptions,
    stream: boolean,
    sink: JobSink,
  ): Promise<Job> {
    const billing = this.router.billing;
    const payer = billing ? await billing.principalOfKey(options.apiKey ?? this.defaultKey) : undefined;
    const spec = toJobSpec(toSubmitRequest(request), this.router.settings, stream);
    return this.router.submit(spec, sink, payer);
  }
}
