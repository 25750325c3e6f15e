import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { chatPromptChars, parseChatCompletionRequest, toChatJob } from "./chat-request.js";
import { chatStreamFormat } from "./chunks.js";
import { toChatCompletion, unixSeconds } from "./responses.js";
import { callContext, jobExtras, type OpenAIRouteOptions } from "./route-options.js";
import { streamJob } from "./stream-job.js";

/**
 * `POST /v1/chat/completions`: a chat job, answered as a `chat.completion` or, with `stream: true`, as
 * a stream of `chat.completion.chunk`s.
 */
export function registerChatCompletions(
  app: FastifyInstance,
  { backend, streams }: OpenAIRouteOptions,
): void {
  app.post("/v1/chat/completions", async (request, reply) => {
    const chat = parseChatCompletionRequest(request.body);
    const job = toChatJob(chat, jobExtras(request));
    const call = callContext(request, reply);
    const promptChars = chatPromptChars(chat.messages);
    if (chat.stream) {
      // The job id is known only at the end of a stream, so the stream gets an id of its own.
      const format = chatStreamFormat({
        id: `chatcmpl-${randomUUID()}`,
        created: unixSeconds(Date.now()),
        model: chat.model,
        includeUsage: chat.includeUsage,
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
        includeUsage: chat.includeUsage,
      });
      return reply;
    }
    const outcome = await backend.submit(job, call.options);
    return toChatCompletion(outcome, { requestedModel: chat.model, promptChars, nowMs: Date.now() });
  });
}
