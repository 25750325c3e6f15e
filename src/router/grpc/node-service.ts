import type { ServerDuplexStream } from "@grpc/grpc-js";
import { ErrorCode, invalidArgument, SwitchyardError, toSwitchyardError } from "../../core/errors.js";
import type { NodeMessage, NodeServiceServer, RouterMessage } from "../../gen/switchyard/v1/node.js";
import type { Router } from "../router.js";
import type { NodeSession } from "../sessions/node-session.js";
import { validateRegistration } from "../sessions/register.js";

/**
 * NodeService.Connect: the first message must be a valid Register, within the register timeout;
 * then the stream belongs to a NodeSession until either side ends it.
 */
export function nodeService(router: Router): NodeServiceServer {
  return {
    connect(call: ServerDuplexStream<NodeMessage, RouterMessage>): void {
      const log = router.settings.logger;
      if (!router.acceptingNodes) {
        call.emit(
          "error",
          new SwitchyardError(ErrorCode.Unavailable, "the router is shutting down").toGrpc(),
        );
        return;
      }
      let session: NodeSession | undefined;
      let refused = false;
      let ended = false;
      const refuse = (error: SwitchyardError): void => {
        if (refused) return;
        refused = true;
        clearTimeout(timer);
        log.info({ code: error.code, reason: error.message }, "node registration refused");
        call.emit("error", error.toGrpc());
      };
      const timer = setTimeout(
        () => refuse(invalidArgument("no Register message within the register timeout")),
        router.settings.registerTimeoutMs,
      );
      const end = (reason: string): void => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        if (session) session.close(reason);
        else if (!refused) {
          refused = true;
          try {
            call.end();
          } catch {
            // the stream is already gone
          }
        }
      };

      call.on("data", (message: NodeMessage) => {
        if (refused) return;
        if (session) {
          const error = session.receive(message);
          if (error) session.close(error.message, error);
          return;
        }
        if (message.msg?.$case !== "register") {
          refuse(invalidArgument("the first message on a node stream must be Register"));
          return;
        }
        const registration = validateRegistration(message.msg.value);
        if (registration instanceof SwitchyardError) {
          refuse(registration);
          return;
        }
        clearTimeout(timer);
        refused = true; // ignore messages until the session exists
        router
          .operatorFor(call.metadata)
          .then((operator) => router.attachNode(call, registration, operator))
          .then((s) => {
            session = s;
            refused = false;
            if (ended) s.close("the node's stream ended during registration");
          })
          .catch((err: unknown) => {
            refused = false;
            refuse(toSwitchyardError(err));
          });
      });
      call.on("end", () => end("the node closed its stream"));
      call.on("cancelled", () => end("the node's stream was cancelled"));
      call.on("error", () => end("the node's stream failed"));
    },
  };
}
