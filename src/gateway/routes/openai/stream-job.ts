import type { FastifyReply, FastifyRequest } from "fastify";
import type { JobStreamEvent } from "../../../client/types.js";
import { ErrorCode, SwitchyardError, toSwitchyardError } from "../../../core/errors.js";
import { logError } from "../../error-handler.js";
import { SseWriter } from "../../sse-writer.js";
import type { StreamRegistry } from "../../stream-registry.js";
import type { StreamFormat } from "./chunks.js";
import { countChars, resolveUsage } from "./usage.js";

/** Everything `streamJob` needs to answer one streaming request. */
export interface StreamJobOptions {
  request: FastifyRequest;
  reply: FastifyReply;
  /** The job's events, from `JobBackend.submitStream` called with `controller.signal`. */
  events: AsyncIterable<JobStreamEvent>;
  /** Aborting it cancels the job; it already aborts when the client disconnects. */
  controller: AbortController;
  format: StreamFormat;
  includeUsage: boolean;
  /** Prompt size in code points, for the usage estimate. */
  promptChars: number;
  streams: StreamRegistry;
}

type Events = AsyncIterator<JobStreamEvent>;

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
export async function streamJob(options: StreamJobOptions): Promise<void> {
  const { request, reply, controller } = options;
  const shutdownError = new SwitchyardError(ErrorCode.Unavailable, "The gateway is shutting down.");
  let shuttingDown = false;
  let sse: SseWriter | undefined;
  const unregister = options.streams.add(() => {
    shuttingDown = true;
    controller.abort(shutdownError);
    sse?.shutdown(shutdownError.toOpenAI());
  });
  const events = options.events[Symbol.asyncIterator]();
  try {
    let first: IteratorResult<JobStreamEvent>;
    try {
      first = await events.next();
    } catch (err) {
      throw shuttingDown ? shutdownError : err;
    }
    if (first.done) throw new SwitchyardError(ErrorCode.Internal, "The job ended without a result.");
    if (shuttingDown) throw shutdownError;

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
async function pump(options: StreamJobOptions, sse: SseWriter, first: JobStreamEvent, events: Events) {
  const { request, format, controller } = options;
  let completed = false;
  try {
    for (const chunk of format.opening()) await sse.send(chunk);
    let streamedChars = 0;
    let next: IteratorResult<JobStreamEvent> = { done: false, value: first };
    while (!next.done && !sse.closed) {
      const event = next.value;
      if (event.type === "delta") {
        if (event.text !== "") {
          await sse.send(format.content(event.text));
          streamedChars += countChars(event.text);
        }
      } else {
        const { result } = event;
        // A node that does not stream sends its whole output with the result.
        if (streamedChars === 0 && result.output !== "") {
          await sse.send(format.content(result.output));
          streamedChars = countChars(result.output);
        }
        await sse.send(format.finish());
        if (options.includeUsage) {
          await sse.send(format.usage(resolveUsage(result.usage, options.promptChars, streamedChars)));
        }
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
