import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { AdminBackend } from "../../../client/types.js";
import { invalidArgument } from "../../../core/errors.js";
import { keyedCall, requireKey } from "../api/auth.js";
import { mergeConfig, toConfigBody } from "./config-body.js";

export interface AdminRouteOptions {
  backend: AdminBackend;
}

type Params = { Params: { id: string } };

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) throw invalidArgument("a JSON object is required");
  return body as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (value === undefined) return "";
  if (typeof value !== "string") throw invalidArgument(`${name} must be a string`, name);
  return value;
}

/**
 * The admin API (`/admin/v1/*`): a key is required (401 without), and the router answers 403 unless it
 * is an admin key. Every change reaches every router replica.
 */
export const adminRoutes: FastifyPluginAsync<AdminRouteOptions> = async (
  app: FastifyInstance,
  { backend },
) => {
  const call = (request: Parameters<typeof requireKey>[0], reply: Parameters<typeof keyedCall>[0]) =>
    keyedCall(reply, requireKey(request)).options;

  app.post<Params>("/admin/v1/nodes/:id/drain", async (request, reply) => {
    await backend.drainNode(request.params.id, call(request, reply));
    return { node_id: request.params.id, draining: true };
  });

  app.post<Params>("/admin/v1/nodes/:id/disconnect", async (request, reply) => {
    await backend.disconnectNode(request.params.id, call(request, reply));
    return { node_id: request.params.id, disconnected: true };
  });

  for (const [path, suspended] of [
    ["suspend", true],
    ["restore", false],
  ] as const) {
    app.post<Params>(`/admin/v1/accounts/:id/${path}`, async (request, reply) => {
      await backend.setAccountSuspended(request.params.id, suspended, call(request, reply));
      return { account_id: request.params.id, suspended };
    });
    app.post<Params>(`/admin/v1/keys/:id/${path}`, async (request, reply) => {
      await backend.setKeySuspended(request.params.id, suspended, call(request, reply));
      return { key_id: request.params.id, suspended };
    });
  }

  app.post<Params>("/admin/v1/accounts/:id/grants", async (request, reply) => {
    const body = objectBody(request.body);
    const amount = body.amount;
    if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) {
      throw invalidArgument("amount must be a whole number of credits, 1 or more", "amount");
    }
    const balance = await backend.grantCredits(
      request.params.id,
      amount,
      stringField(body, "reason"),
      call(request, reply),
    );
    return { account_id: request.params.id, balance };
  });

  app.post("/admin/v1/routing/pause", async (request, reply) => {
    await backend.pauseRouting(stringField(objectBody(request.body), "reason"), call(request, reply));
    return { paused: true };
  });

  app.post("/admin/v1/routing/resume", async (request, reply) => {
    await backend.resumeRouting(call(request, reply));
    return { paused: false };
  });

  app.get("/admin/v1/config", async (request, reply) =>
    toConfigBody(await backend.getConfig(call(request, reply))),
  );

  app.patch("/admin/v1/config", async (request, reply) => {
    const options = call(request, reply);
    const current = await backend.getConfig(options);
    const { config, note } = mergeConfig(current.config, request.body);
    return toConfigBody(await backend.updateConfig(config, note, options));
  });

  app.get<{ Querystring: { limit?: string } }>("/admin/v1/config/versions", async (request, reply) => {
    const raw = request.query.limit;
    const limit = raw === undefined ? 50 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw invalidArgument("limit must be 1 to 500", "limit");
    const versions = await backend.listConfigVersions(limit, call(request, reply));
    return { versions: versions.map(toConfigBody) };
  });

  app.post("/admin/v1/config/rollback", async (request, reply) => {
    const version = objectBody(request.body).version;
    if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
      throw invalidArgument("version must be a saved version number", "version");
    }
    return toConfigBody(await backend.rollbackConfig(version, call(request, reply)));
  });
};
