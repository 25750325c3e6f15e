import { setTimeout as sleep } from "node:timers/promises";
import type { TaskHandler } from "../../src/worker/types.js";
import { replyTo } from "../chat.js";

/**
 * A chat handler standing in for a model: waits `delayMs` once, then answers the last user message
 * whole. (The demo handlers wait per word, which would make the simulated model time depend on the
 * answer's length.) The wait ends early when the task is cancelled.
 */
export function delayedChat(delayMs: number): TaskHandler {
  return async (content, _params, context) => {
    await sleep(delayMs, undefined, { signal: context.signal });
    let prompt = content;
    for (let i = context.messages.length - 1; i >= 0; i--) {
      const message = context.messages[i];
      if (message?.role === "user") {
        prompt = message.content;
        break;
      }
    }
    return replyTo(prompt);
  };
}
