import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../src/core/logger.js";
import { Node } from "../../src/worker/node.js";
import type { TaskContext, TaskHandler } from "../../src/worker/types.js";
import {
  BENCH_MODEL,
  ECHO_CAPABILITY,
  HANDLER_DELAY_MS,
  PIECE_INTERVAL_MS,
  replyTo,
  STREAM_PIECES,
  streamPiece,
} from "../chat.js";

function lastUserMessage(content: string, context: TaskContext): string {
  for (let i = context.messages.length - 1; i >= 0; i--) {
    const message = context.messages[i];
    if (message?.role === "user") return message.content;
  }
  return content;
}

// The waits take no abort listener, as the baseline server's do not: a cancelled task stops at the end
// of the wait it is in (at most one piece interval), and the bench's model costs what the baseline's does.
async function* streamedPieces(signal: AbortSignal): AsyncGenerator<string> {
  for (let i = 0; i < STREAM_PIECES; i++) {
    await sleep(PIECE_INTERVAL_MS);
    signal.throwIfAborted();
    yield streamPiece(i);
  }
}

/**
 * A chat handler standing in for a model. A whole answer: waits `delayMs` once, then answers the last
 * user message. (The demo handlers wait per word, which would make the simulated model time depend on
 * the answer's length.) A streamed answer (the client asked for `stream: true`): STREAM_PIECES pieces,
 * each after PIECE_INTERVAL_MS, as the baseline server streams them. A cancelled task ends when the wait
 * it is in ends.
 */
export function delayedChat(delayMs: number): TaskHandler {
  return (content, _params, context) => {
    if (context.stream) return streamedPieces(context.signal);
    return sleep(delayMs).then(() => {
      context.signal.throwIfAborted();
      return replyTo(lastUserMessage(content, context));
    });
  };
}

/** The `grpc-submit-c64` handler: answers at once with the content it was given (0 ms). */
export const instantEcho: TaskHandler = (content) => content;

/**
 * The worker of the Switchyard under test, not yet started: `chat` takes HANDLER_DELAY_MS (or streams),
 * `echo` answers at once, serving BENCH_MODEL. `apiKey` is the operator key when billing is on.
 */
export function benchWorker(options: {
  router: string;
  apiKey: string | undefined;
  concurrency: number;
  logger: Logger;
}): Node {
  return new Node({
    name: "bench-worker",
    routers: [options.router],
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    handlers: { chat: delayedChat(HANDLER_DELAY_MS), [ECHO_CAPABILITY]: instantEcho },
    models: [BENCH_MODEL],
    concurrency: options.concurrency,
    logger: options.logger,
  });
}
