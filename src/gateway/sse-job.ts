import type { FastifyReply, FastifyRequest } from "fastify";
import type { JobOutcome, JobStreamEvent } from "../client/types.js";
import { ErrorCode, SwitchyardError, toSwitchyardError } from "../core/errors.js";
import { logError } from "./error-handler.js";
import { SseWriter } from "./sse-writer.js";
import type { StreamRegistry } from "./stream-registry.js";

/**
 * Turns a job's events into the JSON payloads of one SSE dialect (OpenAI chunks, the native API's
 * `{"delta"}`/`{"result"}` events). Pure: it only builds objects.
 */
export interface StreamEncoder {
  /** Events sent before any content. */
  opening(): object[];
  /** The JSON text of the event carrying one piece of output (sent once per piece: keep it cheap). */
  delta(text: string): string;
  /**
   * Events sent after the last piece, before `data: [DONE]`. `streamedChars` is how many code points of
   * output were sent as deltas.
   */
  closing(result: JobOutcome, streamedChars: number): object[];
}

/** Everything `streamJobAsSse` needs to answer one streaming request. */
export interface SseJobOptions {
  request: FastifyRequest;
  reply: FastifyReply;
  /** The job's events, from `JobBackend.submitStream` called with `controller.signal`. */
  events: AsyncIterable<JobStreamEvent>;
  /** Aborting it cancels the job; it already aborts when the client disconnects. */
  controller: AbortController;
  encoder: StreamEncoder;
  streams: StreamRegistry;
}

type Events = AsyncIterator<JobStreamEvent>;

/** Number of Unicode code points in a string. */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

async function closeEvents(events: Events, request: FastifyRequest): Promise<void> {
  try {
    await events.return?.();
  } catch (err) {
    request.log.debug({ err }, "closing the job stream failed");
  }
}

/**
 * Answers a streaming request as Server-Sent Events. The first event is awaited before anything is
 * written, so a job that fails at once (no node, no credits, bad key) gets a normal HTTP error from the
 * error handler: this function then rejects with that error. Once the first event is in, the response
 * is hijacked and every delta is forwarded as soon as it arrives, waiting for 'drain' before pulling the
 * next event when the client reads slowly. A failure after that point is sent as one
 * `data: {"error": …}` event before the response ends. If the client disconnects, or the gateway shuts
 * down (even before the first event), the job is cancelled through the controller.
 */
export async function streamJobAsSse(options: SseJobOptions): Promise<void> {
  const { request, reply, controller } = options;
  // Made only on shutdown: an error per stream would capture a stack for every request.
  let shutdownError: SwitchyardError | undefined;
  let sse: SseWriter | undefined;
  const unregister = options.streams.add(() => {
    shutdownError = new SwitchyardError(ErrorCode.Unavailable, "The gateway is shutting down.");
    controller.abort(shutdownError);
    sse?.shutdown(shutdownError.toOpenAI());
  });
  const events = options.events[Symbol.asyncIterator]();
  try {
    let first: IteratorResult<JobStreamEvent>;
    try {
      first = await events.next();
    } catch (err) {
      throw shutdownError ?? err;
    }
    if (first.done) throw new SwitchyardError(ErrorCode.Internal, "The job ended without a result.");
    if (shutdownError !== undefined) throw shutdownError;

    reply.hijack();
    if (controller.signal.aborted) {
      request.log.info("client disconnected before the stream started");
      reply.raw.destroy();
      return;
    }
    sse = new SseWriter(reply.raw);
    sse.open(reply.getHeaders());
    await pump(options, sse, first.value, events);
  } finally {
    unregister();
    await closeEvents(events, request);
  }
}

/**
 * Writes the stream from its first event to the end. Never throws: a failure becomes an error event.
 * Cancels the job unless it completed.
 */
async function pump(options: SseJobOptions, sse: SseWriter, first: JobStreamEvent, events: Events) {
  const { request, encoder, controller } = options;
  let completed = false;
  try {
    for (const payload of encoder.opening()) await sse.send(payload);
    let streamedChars = 0;
    let next: IteratorResult<JobStreamEvent> = { done: false, value: first };
    while (!next.done && !sse.closed) {
      const event = next.value;
      if (event.type === "delta") {
        if (event.text !== "") {
          if (!sse.writeJson(encoder.delta(event.text))) await sse.drained();
          streamedChars += codePoints(event.text);
        }
      } else {
        const { result } = event;
        // A node that does not stream sends its whole output with the result.
        if (streamedChars === 0 && result.output !== "") {
          if (!sse.writeJson(encoder.delta(result.output))) await sse.drained();
          streamedChars = codePoints(result.output);
        }
        for (const payload of encoder.closing(result, streamedChars)) await sse.send(payload);
        sse.finish();
        completed = true;
        request.log.info(
          { jobId: result.jobId, chunks: result.chunks, durationMs: result.durationMs },
          "stream done",
        );
        return;
      }
      next = await events.next();
    }
    if (!sse.closed) throw new SwitchyardError(ErrorCode.Internal, "The job stream ended without a result.");
    request.log.info("stream closed before the job finished");
  } catch (err) {
    const e = toSwitchyardError(err);
    if (sse.closed) {
      request.log.info({ code: e.code }, "stream closed before the job finished");
    } else {
      logError(request, err, e);
      sse.fail(e.toOpenAI());
    }
  } finally {
    if (!completed && !controller.signal.aborted) {
      controller.abort(new SwitchyardError(ErrorCode.Cancelled, "The stream ended early."));
    }
    sse.end();
  }
}
