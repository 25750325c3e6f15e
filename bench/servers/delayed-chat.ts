import { setTimeout as sleep } from "node:timers/promises";
import type { TaskContext, TaskHandler } from "../../src/worker/types.js";
import { PIECE_INTERVAL_MS, replyTo, STREAM_PIECES, streamPiece } from "../chat.js";

function lastUserMessage(content: string, context: TaskContext): string {
  for (let i = context.messages.length - 1; i >= 0; i--) {
    const message = context.messages[i];
    if (message?.role === "user") return message.content;
  }
  return content;
}

async function* streamedPieces(signal: AbortSignal): AsyncGenerator<string> {
  for (let i = 0; i < STREAM_PIECES; i++) {
    await sleep(PIECE_INTERVAL_MS, undefined, { signal });
    yield streamPiece(i);
  }
}

/**
 * A chat handler standing in for a model. A whole answer: waits `delayMs` once, then answers the last
 * user message. (The demo handlers wait per word, which would make the simulated model time depend on
 * the answer's length.) A streamed answer (the client asked for `stream: true`): STREAM_PIECES pieces,
 * each after PIECE_INTERVAL_MS, as the baseline server streams them. The waits end early when the task
 * is cancelled.
 */
export function delayedChat(delayMs: number): TaskHandler {
  return (content, _params, context) => {
    if (context.stream) return streamedPieces(context.signal);
    return sleep(delayMs, undefined, { signal: context.signal }).then(() =>
      replyTo(lastUserMessage(content, context)),
    );
  };
}

/** The `grpc-submit-c64` handler: answers at once with the content it was given (0 ms). */
export const instantEcho: TaskHandler = (content) => content;
