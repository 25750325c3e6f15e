import type { FastifyPluginAsync } from "fastify";
import type { NetworkBackend, NetworkStatus } from "../../../client/types.js";
import { abortOnDisconnect } from "../../disconnect.js";
import { singleQueryValue } from "./account-request.js";
import { toNodeListBody, toStatusBody } from "./network-bodies.js";
import { SharedCache } from "./status-cache.js";

/** How long the gateway serves one status read from the router: 1 s. */
export const STATUS_MAX_AGE_MS = 1_000;

/** How long a status read from the router may take before it is answered 503: 5 s. */
export const STATUS_TIMEOUT_MS = 5_000;

/** What the network routes are given by the app. */
export interface NetworkRouteOptions {
  /** The router's read-only network views. */
  backend: NetworkBackend;
  /** How long one status read is served, in ms. Default `STATUS_MAX_AGE_MS`. */
  statusMaxAgeMs?: number;
  /** The clock of the status cache. Default `Date.now`. */
  now?: () => number;
}

/** A filter of `GET /api/v1/nodes`: a query value, trimmed; absent when empty. */
function filterValue(query: unknown, name: string): string | undefined {
  const value = singleQueryValue(query, name)?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The public, read-only network routes of the native API; neither needs a key:
 * - `GET /api/v1/status` → `{nodes_online, capabilities: [{capability, nodes, price}], models, pricing,
 *   jobs_24h, failure_rate_24h, latency_p50_ms, latency_p99_ms, generated_at}`. One read from the router
 *   is served for up to a second, and concurrent requests share the read in flight, so polling
 *   dashboards cost the router at most one call a second per gateway.
 * - `GET /api/v1/nodes?capability=&model=` → `{nodes: [{node_id, name, capabilities, languages, models,
 *   max_concurrency, in_flight, load, draining, labels, router_id, connected_at, tasks_succeeded,
 *   tasks_failed, success_rate, latency_p50_ms}]}`, sorted by name. Node names and labels are chosen by
 *   node operators: clients must treat them as untrusted text.
 */
export const networkRoutes: FastifyPluginAsync<NetworkRouteOptions> = async (app, options) => {
  const { backend } = options;
  const status = new SharedCache<NetworkStatus>({
    load: (signal) => backend.status({ signal }),
    maxAgeMs: options.statusMaxAgeMs ?? STATUS_MAX_AGE_MS,
    timeoutMs: STATUS_TIMEOUT_MS,
    ...(options.now === undefined ? {} : { now: options.now }),
  });

  app.get("/api/v1/status", async () => {
    const { value, loadedAtMs } = await status.get();
    return toStatusBody(value, loadedAtMs);
  });

  app.get("/api/v1/nodes", async (request, reply) => {
    const filter: { capability?: string; model?: string } = {};
    const capability = filterValue(request.query, "capability");
    const model = filterValue(request.query, "model");
    if (capability !== undefined) filter.capability = capability;
    if (model !== undefined) filter.model = model;
    const { signal } = abortOnDisconnect(reply.raw);
    return toNodeListBody(await backend.nodes(filter, { signal }));
  });
};
