import type { FastifyReply, FastifyRequest } from "fastify";
import type { CallOptions, JobBackend } from "../../../client/types.js";
import { abortOnDisconnect } from "../../disconnect.js";
import { bearerKey, DEADLINE_HEADER, parseDeadlineHeader } from "../../headers.js";
import type { StreamRegistry } from "../../stream-registry.js";
import type { JobExtras } from "./job-common.js";

/** What the OpenAI routes are given by the app. */
export interface OpenAIRouteOptions {
  backend: JobBackend;
  /** Open SSE streams, ended by the app's preClose hook. */
  streams: StreamRegistry;
}

/** The per-request inputs of a backend call, decoded from the HTTP request. */
export interface CallContext {
  /** Aborts when the client disconnects before the response is complete. */
  controller: AbortController;
  /** Signal and API key for the backend call. */
  options: CallOptions;
}

/** Job fields taken from the request's headers. Throws invalid_argument for a bad deadline. */
export function jobExtras(request: FastifyRequest): JobExtras {
  return { deadlineMs: parseDeadlineHeader(request.headers[DEADLINE_HEADER]) };
}

/** The options of a backend call: the caller's API key, and a signal tied to the client's connection. */
export function callContext(request: FastifyRequest, reply: FastifyReply): CallContext {
  const controller = abortOnDisconnect(reply.raw);
  const options: CallOptions = { signal: controller.signal };
  const apiKey = bearerKey(request.headers.authorization);
  if (apiKey !== undefined) options.apiKey = apiKey;
  return { controller, options };
}
