import type { FastifyPluginAsync } from "fastify";
import { registerAccounts } from "./accounts.js";
import { registerJobs } from "./jobs.js";
import { registerKeys } from "./keys.js";
import type { ApiRouteOptions } from "./options.js";

export type { ApiRouteOptions } from "./options.js";

/**
 * The native HTTP API under /api/v1: jobs, accounts, balance, transactions and keys, plus the seed
 * system's `/register`, `/request` and `/history`. Every route but account creation needs a key
 * (`Authorization: Bearer <key>`), checked by the router; a request without one is answered 401 before
 * anything is sent to it. Bodies must be JSON; errors are OpenAI error bodies, as on /v1.
 */
export const apiRoutes: FastifyPluginAsync<ApiRouteOptions> = async (app, options) => {
  app.removeContentTypeParser("text/plain");
  registerAccounts(app, options);
  registerJobs(app, options);
  registerKeys(app, options);
};
