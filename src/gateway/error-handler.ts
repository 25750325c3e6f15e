import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ErrorCode, SwitchyardError } from "../core/errors.js";
import { toGatewayError } from "./errors.js";

/** The Retry-After value for a delay in seconds: a whole, non-negative number of seconds. */
export function retryAfterValue(seconds: number): string {
  return String(Number.isFinite(seconds) ? Math.max(0, Math.ceil(seconds)) : 0);
}

/**
 * Sends a catalogue error as the response: its HTTP status, its OpenAI body and, when it has one, a
 * Retry-After header. The one place the gateway turns an error into HTTP.
 */
export function sendError(reply: FastifyReply, err: SwitchyardError): FastifyReply {
  if (err.retryAfterSeconds !== undefined)
    reply.header("retry-after", retryAfterValue(err.retryAfterSeconds));
  return reply.code(err.httpStatus).type("application/json; charset=utf-8").send(err.toOpenAI());
}

/**
 * Logs an error once at a level that fits it: server-side failures (5xx) at error with the original
 * error and its cause, client errors at info.
 */
export function logError(request: FastifyRequest, original: unknown, err: SwitchyardError): void {
  if (err.httpStatus >= 500) {
    request.log.error({ err: original, code: err.code }, "request failed");
  } else {
    request.log.info({ code: err.code, param: err.param, status: err.httpStatus }, err.message);
  }
}

/** The path of a URL without its query (which may carry secrets), cut to a length fit for a message. */
export function routePath(url: string): string {
  const path = url.split("?", 1)[0] ?? "";
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}

function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const err = toGatewayError(error);
  logError(request, error, err);
  sendError(reply, err);
}

/**
 * Installs the error handler, the not-found handler and the handler Fastify calls for errors raised
 * before routing (a bad URL, a too-long parameter), so that every error leaves the gateway as an
 * OpenAI error body with the status of its catalogue code.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    handleError(error, request, reply);
  });
  app.setNotFoundHandler((request, reply) => {
    // The catalogue's not_found carries the model_not_found code; there is no separate code for an
    // unknown URL, so the message names the route to make the cause clear.
    const err = new SwitchyardError(
      ErrorCode.NotFound,
      `Unknown route: ${request.method} ${routePath(request.url)}`,
    );
    logError(request, err, err);
    sendError(reply, err);
  });
}

/** The `frameworkErrors` option for Fastify: errors raised before a route is found. */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  handleError(error, request, reply);
}
