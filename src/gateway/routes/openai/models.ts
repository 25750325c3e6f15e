import type { FastifyInstance } from "fastify";
import { ErrorCode, SwitchyardError } from "../../../core/errors.js";
import { toModelList, toModelObject } from "./model-objects.js";
import { callContext, type OpenAIRouteOptions } from "./route-options.js";

/**
 * `GET /v1/models` and `GET /v1/models/{id}`. Model ids may contain "/" (`switchyard/demo`), so the
 * single-model route is a wildcard; a model not online now is a 404 `model_not_found`.
 */
export function registerModels(app: FastifyInstance, { backend }: OpenAIRouteOptions): void {
  app.get("/v1/models", async (request, reply) => {
    const models = await backend.listModels(callContext(request, reply).options);
    return toModelList(models);
  });

  app.get<{ Params: { "*": string } }>("/v1/models/*", async (request, reply) => {
    const id = request.params["*"];
    const models = await backend.listModels(callContext(request, reply).options);
    const model = models.find((m) => m.id === id);
    if (model === undefined) {
      throw new SwitchyardError(ErrorCode.NotFound, `The model '${id}' does not exist.`, { param: "model" });
    }
    return toModelObject(model);
  });
}
