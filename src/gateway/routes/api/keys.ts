import type { FastifyInstance } from "fastify";
import { invalidArgument } from "../../../core/errors.js";
import { parseKeyLabel } from "./account-request.js";
import { keyedCall, requireKey } from "./auth.js";
import { toKeyListBody, toNewKeyBody } from "./bodies.js";
import type { ApiRouteOptions } from "./options.js";

/**
 * The key routes of the native API, each acting on the account of the key that calls it:
 * - `POST /api/v1/keys` `{label?}` → 201 `{key_id, api_key}` (the key is shown this once).
 * - `GET /api/v1/keys` → `{keys: [{key_id, label, prefix, role, created_at, revoked}]}`.
 * - `DELETE /api/v1/keys/:id` → 204; a key the account does not have is 404. A revoked key is refused
 *   (401) from then on, including the key that revoked itself.
 */
export function registerKeys(app: FastifyInstance, { backend }: ApiRouteOptions): void {
  app.post("/api/v1/keys", async (request, reply) => {
    const call = keyedCall(reply, requireKey(request));
    const label = parseKeyLabel(request.body);
    const created = await backend.createKey(label, call.options);
    return reply.code(201).send(toNewKeyBody(created));
  });

  app.get("/api/v1/keys", async (request, reply) => {
    const call = keyedCall(reply, requireKey(request));
    return toKeyListBody(await backend.listKeys(call.options));
  });

  app.delete<{ Params: { id: string } }>("/api/v1/keys/:id", async (request, reply) => {
    const call = keyedCall(reply, requireKey(request));
    const keyId = request.params.id;
    if (keyId.trim() === "") throw invalidArgument("A key id is required.", "key_id");
    await backend.revokeKey(keyId, call.options);
    return reply.code(204).send();
  });
}
