import type { ServerResponse } from "node:http";
import { ErrorCode, SwitchyardError } from "../core/errors.js";

/**
 * An AbortController that aborts when the client's connection closes before the response was fully
 * written, so the job behind the request is cancelled on its node. A response that finished normally
 * does not abort it. The abort reason is a `cancelled` SwitchyardError.
 */
export function abortOnDisconnect(raw: ServerResponse): AbortController {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!raw.writableFinished && !controller.signal.aborted) {
      controller.abort(new SwitchyardError(ErrorCode.Cancelled, "The client closed the connection."));
    }
  };
  if (raw.destroyed) onClose();
  else raw.once("close", onClose);
  return controller;
}
