import type { NodeMessage, RouterMessage } from "../gen/switchyard/v1/node.js";
import type { OutboxBatching } from "./outbox.js";

/** Most messages in one NodeBatch or RouterBatch. */
const MAX_BATCH_MESSAGES = 256;
/**
 * Most estimated bytes in one batch: well under gRPC's default 4 MiB limit on a received message,
 * however far the estimate errs.
 */
const MAX_BATCH_BYTES = 1024 * 1024;
/** Bytes counted for a message's fields other than its text, and for its framing in the batch. */
const FIXED_BYTES = 256;

/** Bytes a string takes in UTF-8, at most (3 per UTF-16 code unit). */
function textBytes(text: string): number {
  return text.length * 3;
}

function nodeMessageBytes(message: NodeMessage): number {
  const msg = message.msg;
  switch (msg?.$case) {
    case "delta":
      return FIXED_BYTES + textBytes(msg.value.text);
    case "result": {
      const outcome = msg.value.outcome;
      const text = outcome?.$case === "output" ? outcome.value : (outcome?.value.message ?? "");
      return FIXED_BYTES + textBytes(text);
    }
    default:
      return FIXED_BYTES;
  }
}

function routerMessageBytes(message: RouterMessage): number {
  const msg = message.msg;
  if (msg?.$case !== "assign") return FIXED_BYTES;
  const task = msg.value;
  let bytes = FIXED_BYTES + textBytes(task.content);
  for (const m of task.messages) bytes += FIXED_BYTES + textBytes(m.content) + textBytes(m.role);
  if (task.params) bytes += textBytes(JSON.stringify(task.params));
  return bytes;
}

/** How a node joins the messages of one turn into NodeBatch messages (for a router that accepts them). */
export const NODE_BATCHING: OutboxBatching<NodeMessage> = {
  wrap: (messages) => ({ msg: { $case: "batch", value: { messages } } }),
  batchable: (m) => m.msg !== undefined && m.msg.$case !== "register" && m.msg.$case !== "batch",
  sizeOf: nodeMessageBytes,
  maxMessages: MAX_BATCH_MESSAGES,
  maxBytes: MAX_BATCH_BYTES,
};

/** How a router joins the messages of one turn into RouterBatch messages (for a node that accepts them). */
export const ROUTER_BATCHING: OutboxBatching<RouterMessage> = {
  wrap: (messages) => ({ msg: { $case: "batch", value: { messages } } }),
  batchable: (m) => m.msg !== undefined && m.msg.$case !== "registered" && m.msg.$case !== "batch",
  sizeOf: routerMessageBytes,
  maxMessages: MAX_BATCH_MESSAGES,
  maxBytes: MAX_BATCH_BYTES,
};
