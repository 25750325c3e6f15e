import type { FastifyPluginAsync } from "fastify";
import { ErrorCode, SwitchyardError } from "../../core/errors.js";

/** What the health routes are given by the app. */
export interface HealthRouteOptions {
  /** Whether the gateway can serve traffic now; a throw counts as not ready. */
  isReady: () => boolean | Promise<boolean>;
}

/**
 * `GET /healthz` (liveness: the process answers) and `GET /readyz` (readiness: 200 when `isReady()`
 * says so, else 503 with an OpenAI error body).
 */
export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, { isReady }) => {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (request) => {
    let ready = false;
    try {
      ready = (await isReady()) === true;
    } catch (err) {
      request.log.warn({ err }, "readiness check failed");
    }
    if (!ready) throw new SwitchyardError(ErrorCode.Unavailable, "The gateway is not ready.");
    return { status: "ready" };
  });
};
