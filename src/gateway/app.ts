import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { AccountBackend, AdminBackend, JobBackend, NetworkBackend } from "../client/types.js";
import { ErrorCode, SwitchyardError } from "../core/errors.js";
import { type Logger, silentLogger } from "../core/logger.js";
import { dashboardRoutes } from "./dashboard/dashboard.js";
import { frameworkErrorHandler, installErrorHandling } from "./error-handler.js";
import { type LoggedRequest, serializeRequest } from "./log-redaction.js";
import type { GatewayMetrics } from "./metrics/gateway-metrics.js";
import { FixedWindowRateLimiter, type RateLimiter } from "./rate-limiter.js";
import { adminRoutes } from "./routes/admin/index.js";
import { apiRoutes } from "./routes/api/index.js";
import { networkRoutes } from "./routes/api/network.js";
import { healthRoutes } from "./routes/health.js";
import { openaiRoutes } from "./routes/openai/index.js";
import { StreamRegistry } from "./stream-registry.js";

/** Default largest request body: 1 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1_048_576;

/** Default limit on account creation: 5 per client address per minute. */
export const DEFAULT_ACCOUNT_RATE_LIMIT: Readonly<AccountRateLimit> = { max: 5, windowMs: 60_000 };

/** How many accounts one client address may create in a window. */
export interface AccountRateLimit {
  /** Accounts per window, a positive integer. */
  max: number;
  /** Window length in ms, a positive integer. */
  windowMs: number;
}

/**
 * Longest URL parameter the router accepts. Model ids travel in the path of `GET /v1/models/{id}`, and
 * Fastify's default of 100 characters is short for some of them.
 */
const MAX_PARAM_LENGTH = 512;

/** Options of `buildGateway`. */
export interface GatewayOptions {
  /** The router the gateway sends jobs, account calls and network reads to. Required. */
  backend: JobBackend & AccountBackend & NetworkBackend & AdminBackend;
  /** Logger for the app and its requests (used as Fastify's `loggerInstance`). Default: silent. */
  logger?: Logger;
  /** Largest request body in bytes; larger bodies are answered 413. Default 1 MiB (1048576). */
  bodyLimitBytes?: number;
  /** Readiness for `GET /readyz`; false or a throw answers 503. Default: always ready. */
  isReady?: () => boolean | Promise<boolean>;
  /**
   * Limit on `POST /api/v1/accounts` (and `/register`) per client address, counted in this process.
   * Default 5 per minute (`DEFAULT_ACCOUNT_RATE_LIMIT`). The client address is the socket's peer: behind
   * a proxy every client shares the proxy's address.
   */
  accountRateLimit?: AccountRateLimit;
  /** A limiter to use instead of the in-memory one (a shared store, say); `accountRateLimit` is ignored. */
  accountRateLimiter?: RateLimiter;
  /**
   * HTTP metrics to record, served at `GET /metrics` without an API key. Default none: no /metrics
   * route. One instance per gateway.
   */
  metrics?: GatewayMetrics;
}

/** `GatewayOptions` with every default applied and every value checked. */
export interface ResolvedGatewayOptions {
  backend: JobBackend & AccountBackend & NetworkBackend & AdminBackend;
  logger: Logger;
  bodyLimitBytes: number;
  isReady: () => boolean | Promise<boolean>;
  accountLimiter: RateLimiter;
}

/** Applies the defaults of `GatewayOptions`; throws TypeError or RangeError for a bad value. */
export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  if (typeof options.backend !== "object" || options.backend === null) {
    throw new TypeError("GatewayOptions.backend is required");
  }
  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  if (!Number.isSafeInteger(bodyLimitBytes) || bodyLimitBytes < 1) {
    throw new RangeError(`GatewayOptions.bodyLimitBytes must be a positive integer, got ${bodyLimitBytes}`);
  }
  return {
    backend: options.backend,
    logger: options.logger ?? silentLogger(),
    bodyLimitBytes,
    isReady: options.isReady ?? (() => true),
    // The constructor throws RangeError for a bad limit.
    accountLimiter:
      options.accountRateLimiter ??
      new FixedWindowRateLimiter(options.accountRateLimit ?? DEFAULT_ACCOUNT_RATE_LIMIT),
  };
}

/**
 * The logger Fastify is given: the caller's, with a request serializer that keeps secrets that clients
 * put in URLs (`?api_key=`) out of the request log lines.
 */
function gatewayLogger(logger: Logger): FastifyBaseLogger {
  return logger.child({}, { serializers: { req: (req: LoggedRequest) => serializeRequest(req) } });
}

/**
 * Builds the HTTP gateway: the OpenAI-compatible routes, the native API (with the public network
 * status and node list), the dashboard and the health routes, with every error answered as an OpenAI
 * error body. Does not listen; the caller calls `listen()` (or `inject()` in tests) and `close()`.
 * Closing ends open SSE streams (cancelling their jobs), and requests that arrive while the gateway
 * closes are answered 503.
 */
export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const resolved = resolveGatewayOptions(options);
  const loggerInstance = gatewayLogger(resolved.logger);
  const app = Fastify({
    loggerInstance,
    bodyLimit: resolved.bodyLimitBytes,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Fastify's own 503 body is not an OpenAI body; the onRequest hook below answers instead.
    return503OnClosing: false,
    frameworkErrors: frameworkErrorHandler,
  });

  const streams = new StreamRegistry();
  // First, so requests answered by the hooks below (503 while closing) are counted too.
  options.metrics?.install(app, streams);
  let closing = false;
  app.addHook("onRequest", async (_request, reply) => {
    if (!closing) return;
    reply.header("connection", "close");
    throw new SwitchyardError(ErrorCode.Unavailable, "The gateway is shutting down.");
  });
  // Responses finishing while the gateway closes release their connection instead of keeping it alive.
  app.addHook("onSend", async (_request, reply, payload) => {
    if (closing) reply.header("connection", "close");
    return payload;
  });
  app.addHook("preClose", async () => {
    closing = true;
    streams.closeAll();
  });

  installErrorHandling(app);
  await app.register(healthRoutes, { isReady: resolved.isReady });
  await app.register(openaiRoutes, { backend: resolved.backend, streams });
  await app.register(apiRoutes, {
    backend: resolved.backend,
    streams,
    accountLimiter: resolved.accountLimiter,
  });
  await app.register(networkRoutes, { backend: resolved.backend });
  await app.register(adminRoutes, { backend: resolved.backend });
  await app.register(dashboardRoutes);
  return app;
}
