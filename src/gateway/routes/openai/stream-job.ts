import type { FastifyReply, FastifyRequest } from "fastify";
import type { JobStreamEvent } from "../../../client/types.js";
import { type StreamEncoder, streamJobAsSse } from "../../sse-job.js";
import type { StreamRegistry } from "../../stream-registry.js";
import type { StreamFormat } from "./chunks.js";
import { resolveUsage } from "./usage.js";

/** Everything `streamJob` needs to answer one streaming OpenAI request. */
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

/**
 * The encoder for an OpenAI stream: the format's opening chunks, a content chunk per delta, then the
 * finish chunk and, with `include_usage`, the usage chunk.
 */
export function openaiEncoder(
  format: StreamFormat,
  includeUsage: boolean,
  promptChars: number,
): StreamEncoder {
  return {
    opening: () => format.opening(),
    delta: (text) => format.content(text),
    closing: (result, streamedChars) =>
      includeUsage
        ? [format.finish(), format.usage(resolveUsage(result.usage, promptChars, streamedChars))]
        : [format.finish()],
  };
}

/**
 * Answers a streaming OpenAI request as Server-Sent Events (see `streamJobAsSse` for the error,
 * back-pressure, disconnect and shutdown behaviour), ending with `data: [DONE]`.
 */
export async function streamJob(options: StreamJobOptions): Promise<void> {
  const { request, reply, events, controller, streams } = options;
  await streamJobAsSse({
    request,
    reply,
    events,
    controller,
    streams,
    encoder: openaiEncoder(options.format, options.includeUsage, options.promptChars),
  });
}
