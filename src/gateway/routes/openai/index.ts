import type { FastifyPluginAsync } from "fastify";
import { registerChatCompletions } from "./chat-completions.js";
import { registerCompletions } from "./completions.js";
import { registerModels } from "./models.js";
import type { OpenAIRouteOptions } from "./route-options.js";

export type { OpenAIRouteOptions } from "./route-options.js";

/**
 * The OpenAI-compatible routes under /v1. Bodies must be JSON: the plain-text parser Fastify adds by
 * default is removed here, so any other content type is rejected before a route runs.
 */
export const openaiRoutes: FastifyPluginAsync<OpenAIRouteOptions> = async (app, options) => {
  app.removeContentTypeParser("text/plain");
  registerChatCompletions(app, options);
  registerCompletions(app, options);
  registerModels(app, options);
};
