import type { FastifyInstance } from "fastify";
import { answerJob } from "./answer-job.js";
import { textStreamFormat } from "./chunks.js";
import { parseCompletionRequest, toCompletionJob } from "./completion-request.js";
import { toTextCompletion } from "./responses.js";
import { jobExtras, type OpenAIRouteOptions } from "./route-options.js";
import { countChars } from "./usage.js";

/**
 * `POST /v1/completions`: a completion job, answered as a `text_completion` or, with `stream: true`,
 * as a stream of `text_completion` chunks.
 */
export function registerCompletions(app: FastifyInstance, options: OpenAIRouteOptions): void {
  app.post("/v1/completions", async (request, reply) => {
    const completion = parseCompletionRequest(request.body);
    const asked = {
      model: completion.model,
      stream: completion.stream,
      includeUsage: completion.includeUsage,
      promptChars: countChars(completion.prompt),
    };
    return answerJob(request, reply, options, toCompletionJob(completion, jobExtras(request)), asked, {
      idPrefix: "cmpl-",
      streamFormat: textStreamFormat,
      whole: toTextCompletion,
    });
  });
}
