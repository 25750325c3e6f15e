import { randomUUID } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { JobOutcome, JobRequest } from "../../../client/types.js";
import type { ChunkContext, StreamFormat } from "./chunks.js";
import { type ResponseContext, unixSeconds } from "./responses.js";
import { callContext, type OpenAIRouteOptions } from "./route-options.js";
import { streamJob } from "./stream-job.js";

/** How one OpenAI endpoint words its answers. */
export interface AnswerStyle<T> {
  /** Prefix of stream ids ("chatcmpl-", "cmpl-"). */
  idPrefix: string;
  /** The chunk format of a streamed answer. */
  streamFormat(ctx: ChunkContext): StreamFormat;
  /** The whole answer of a job that is not streamed. */
  whole(outcome: JobOutcome, ctx: ResponseContext): T;
}

/**
 * Runs a job for an OpenAI endpoint and answers it: streamed as SSE chunks when asked (the job id is
 * known only at the end of a stream, so the stream gets an id of its own), else as one object.
 */
export async function answerJob<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  { backend, streams }: OpenAIRouteOptions,
  job: JobRequest,
  asked: { model: string; stream: boolean; includeUsage: boolean; promptChars: number },
  style: AnswerStyle<T>,
): Promise<T | FastifyReply> {
  const call = callContext(request, reply);
  if (asked.stream) {
    const format = style.streamFormat({
      id: `${style.idPrefix}${randomUUID()}`,
      created: unixSeconds(Date.now()),
      model: asked.model,
      includeUsage: asked.includeUsage,
    });
    await streamJob({
      request,
      reply,
      events: backend.submitStream(job, call.options),
      controller: call.controller,
      format,
      promptChars: asked.promptChars,
      streams,
      includeUsage: asked.includeUsage,
    });
    return reply;
  }
  const outcome = await backend.submit(job, call.options);
  return style.whole(outcome, {
    requestedModel: asked.model,
    promptChars: asked.promptChars,
    nowMs: Date.now(),
  });
}
