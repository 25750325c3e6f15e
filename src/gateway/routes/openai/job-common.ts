/**
 * The model name that asks for any node with the capability, whatever model it serves. Sent to the
 * router as an empty model.
 */
export const AUTO_MODEL = "switchyard/auto";

/** The model to route on for an OpenAI `model` field: empty (any node) for `switchyard/auto`. */
export function routingModel(requested: string): string {
  return requested === AUTO_MODEL ? "" : requested;
}

/** Job fields that come from the request's headers rather than its body. */
export interface JobExtras {
  /** From `x-switchyard-deadline-ms`. */
  deadlineMs?: number | undefined;
}
