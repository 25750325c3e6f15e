import type { FastifyInstance } from "fastify";
import { streamJobAsSse } from "../../sse-job.js";
import { optionalBodyObject } from "./account-request.js";
import { keyedCall, legacyKey, requireKey } from "./auth.js";
import { toJobBody, toSeedJobBody } from "./bodies.js";
import { parseApiJobRequest, parseJobFields } from "./job-request.js";
import type { ApiRouteOptions } from "./options.js";
import { apiStreamEncoder } from "./stream-events.js";

/**
 * The job routes of the native API:
 * - `POST /api/v1/jobs` `{task_type, content, params?, max_cost?, deadline_ms?, model?, language?,
 *   stream?}` → `{job_id, status: "succeeded", result, cost, chunks, nodes, duration_ms}`, or with
 *   `stream: true` Server-Sent Events (see `apiStreamEncoder`). A client that disconnects cancels the
 *   job, and its hold is refunded.
 * - `POST /api/v1/request`: the seed system's job call, `{task_type, content, params?, max_cost?}` with
 *   the key in the Authorization header or the body's `api_key` (the header wins when both are sent) →
 *   `{task_id, status: "completed", result, cost, node_id, processing_time_ms}`.
 * Errors come from the catalogue: 402 over `max_cost` or short of credits (nothing charged), 404 when
 * no node serves the task type, 504 past the deadline, 502 when the nodes failed.
 */
export function registerJobs(app: FastifyInstance, { backend, streams }: ApiRouteOptions): void {
  app.post("/api/v1/jobs", async (request, reply) => {
    const apiKey = requireKey(request);
    const { job, stream } = parseApiJobRequest(request.body);
    const call = keyedCall(reply, apiKey);
    if (stream) {
      const events = backend.submitStream(job, call.options);
      await streamJobAsSse({
        request,
        reply,
        events,
        controller: call.controller,
        streams,
        encoder: apiStreamEncoder,
      });
      return reply;
    }
    return toJobBody(await backend.submit(job, call.options));
  });

  app.post("/api/v1/request", async (request, reply) => {
    const body = optionalBodyObject(request.body);
    const apiKey = requireKey(request, legacyKey(body.api_key, "api_key"));
    const job = parseJobFields(body);
    const call = keyedCall(reply, apiKey);
    return toSeedJobBody(await backend.submit(job, call.options));
  });
}
