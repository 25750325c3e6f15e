import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { textStreamFormat } from "./chunks.js";
import { parseCompletionRequest, toCompletionJob } from "./completion-request.js";
import { toTextCompletion, unixSeconds } from "./responses.js";
import { callContext, jobExtras, type OpenAIRouteOptions } from "./route-options.js";
import { streamJob } from "./stream-job.js";
import { countChars } from "./usage.js";

/**
 * `POST /v1/completions`: a completion job, answered as a `text_completion` or, with `stream: true`,
 * as a stream of `text_completion` chunks.
 */
export function registerCompletions(app: FastifyInstance, { backend, streams }: OpenAIRouteOptions): void {
  app.post("/v1/completions", async (request, reply) => {
    const completion = parseCompletionRequest(request.body);
    const job = toCompletionJob(completion, jobExtras(request));
    const call = callContext(request, reply);
    const promptChars = countChars(completion.prompt);
    if (completion.stream) {
      // The job id is known only at the end of a stream, so the stream gets an id of its own.
      const format = textStreamFormat({
        id: `cmpl-${randomUUID()}`,
        created: unixSeconds(Date.now()),
        model: completion.model,
        includeUsage: completion.includeUsage,
      });
      const events = backend.submitStream(job, call.options);
      await streamJob({
        request,
        reply,
        events,
        controller: call.controller,
        format,
        promptChars,
        streams,
        includeUsage: completion.includeUsage,
      });
      return reply;
    }
    const outcome = await backend.submit(job, call.options);
    return toTextCompletion(outcome, { requestedModel: completion.model, promptChars, nowMs: Date.now() });
  });
}
