import type { OnlineModel } from "../../../client/types.js";
import { unixSeconds } from "./responses.js";

/** An OpenAI `model` object. */
export interface ModelObject {
  id: string;
  object: "model";
  created: number;
  owned_by: "switchyard";
}

/** The `GET /v1/models` body. */
export interface ModelList {
  object: "list";
  data: ModelObject[];
}

/** The OpenAI object for a model online now. */
export function toModelObject(model: OnlineModel): ModelObject {
  return { id: model.id, object: "model", created: unixSeconds(model.createdUnixMs), owned_by: "switchyard" };
}

/** The OpenAI list of the models online now, in the order the router gave them. */
export function toModelList(models: readonly OnlineModel[]): ModelList {
  return { object: "list", data: models.map(toModelObject) };
}
