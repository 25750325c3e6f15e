import type { TaskContext, TaskHandler } from "../types.js";
import { abortableDelay, checkDelayMs } from "./abort.js";
import { wordPieces } from "./text.js";

/** The model id the demo handlers serve. */
export const DEMO_MODEL = "switchyard/demo";

/** Options of `demoHandlers`. */
export interface DemoHandlerOptions {
  /** Milliseconds to wait before each word of the reply, to look like a model generating. Default 0. */
  delayMs?: number;
}

/** The demo's deterministic answer to a piece of text. */
function replyTo(text: string): string {
  const said = text.trim();
  return said === "" ? "You said nothing." : `You said: ${said}`;
}

/** The text of the conversation's last user message, or `fallback` when there is none. */
function lastUserText(context: TaskContext, fallback: string): string {
  for (let i = context.messages.length - 1; i >= 0; i--) {
    const message = context.messages[i];
    if (message?.role === "user") return message.content;
  }
  return fallback;
}

/** Yields the reply word by word, waiting `delayMs` before each and stopping when the task is cancelled. */
async function* generate(reply: string, delayMs: number, signal: AbortSignal): AsyncGenerator<string> {
  for (const piece of wordPieces(reply)) {
    await abortableDelay(delayMs, signal);
    yield piece;
  }
}

async function collect(pieces: AsyncIterable<string>): Promise<string> {
  let whole = "";
  for await (const piece of pieces) whole += piece;
  return whole;
}

function answer(
  reply: string,
  delayMs: number,
  context: TaskContext,
): string | Promise<string> | AsyncIterable<string> {
  const pieces = generate(reply, delayMs, context.signal);
  return context.stream ? pieces : collect(pieces);
}

/**
 * Builds the demo model's handlers, used by the all-in-one demo worker (model `switchyard/demo`):
 * - `chat` answers the conversation's last user message (the content when there are no messages);
 * - `completion` answers the prompt (the content).
 *
 * The answer is `You said: <text>`. When the client streams, it is yielded word by word (the pieces
 * joined are exactly the answer); otherwise it is returned whole after the same per-word waits. A
 * cancelled task fails with the abort reason. Throws a RangeError when `delayMs` is negative or not
 * finite.
 */
export function demoHandlers(options: DemoHandlerOptions = {}): {
  chat: TaskHandler;
  completion: TaskHandler;
} {
  const delayMs = checkDelayMs(options.delayMs);
  return {
    chat: (content, _params, context) => answer(replyTo(lastUserText(context, content)), delayMs, context),
    completion: (content, _params, context) => answer(replyTo(content), delayMs, context),
  };
}
