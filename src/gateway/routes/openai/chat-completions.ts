import type { FastifyInstance } from "fastify";
import { answerJob } from "./answer-job.js";
import { chatPromptChars, parseChatCompletionRequest, toChatJob } from "./chat-request.js";
import { chatStreamFormat } from "./chunks.js";
import { toChatCompletion } from "./responses.js";
import { jobExtras, type OpenAIRouteOptions } from "./route-options.js";

/**
 * `POST /v1/chat/completions`: a chat job, answered as a `chat.completion` or, with `stream: true`, as
 * a stream of `chat.completion.chunk`s.
 */
export function registerChatCompletions(app: FastifyInstance, options: OpenAIRouteOptions): void {
  app.post("/v1/chat/completions", async (request, reply) => {
    const chat = parseChatCompletionRequest(request.body);
    const asked = {
      model: chat.model,
      stream: chat.stream,
      includeUsage: chat.includeUsage,
      promptChars: chatPromptChars(chat.messages),
    };
    return answerJob(request, reply, options, toChatJob(chat, jobExtras(request)), asked, {
      idPrefix: "chatcmpl-",
      streamFormat: chatStreamFormat,
      whole: toChatCompletion,
    });
  });
}
