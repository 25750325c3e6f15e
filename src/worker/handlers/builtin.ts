import type { TaskHandler } from "../types.js";
import { abortableDelay, checkDelayMs } from "./abort.js";
import { countWords, reverseGraphemes } from "./text.js";

export { DEMO_MODEL, type DemoHandlerOptions, demoHandlers } from "./demo.js";

/** Options of `builtinHandlers`. */
export interface BuiltinHandlerOptions {
  /**
   * Milliseconds every handler waits before it answers, to simulate work (benchmarks). Default 0.
   * The wait ends early, failing the task, when the task is cancelled.
   */
  delayMs?: number;
}

/** Names of the built-in text handlers, which are also the capabilities they serve. */
export const BUILTIN_CAPABILITIES = ["echo", "reverse", "upper", "wordcount"] as const;

export type BuiltinCapability = (typeof BUILTIN_CAPABILITIES)[number];

/**
 * The built-in capabilities whose output for a split job is the concatenation of the outputs for its
 * chunks, so a node may declare them splittable. `reverse` and `wordcount` are not: reversing or
 * counting chunk by chunk gives a different answer than for the whole text.
 */
export const SPLITTABLE_BUILTINS: readonly BuiltinCapability[] = ["echo", "upper"];

const transforms: Record<BuiltinCapability, (content: string) => string> = {
  echo: (content) => content,
  reverse: reverseGraphemes,
  upper: (content) => content.toUpperCase(),
  wordcount: (content) => String(countWords(content)),
};

/**
 * Builds the built-in text handlers, keyed by capability:
 * - `echo` returns the content unchanged;
 * - `reverse` reverses it by grapheme clusters;
 * - `upper` upper-cases it (locale-independent);
 * - `wordcount` returns the number of words as a decimal string.
 *
 * Each first waits `delayMs`; a cancelled task fails with the abort reason. Throws a RangeError when
 * `delayMs` is negative or not finite.
 */
export function builtinHandlers(options: BuiltinHandlerOptions = {}): Record<BuiltinCapability, TaskHandler> {
  const delayMs = checkDelayMs(options.delayMs);
  const handlers = {} as Record<BuiltinCapability, TaskHandler>;
  for (const name of BUILTIN_CAPABILITIES) {
    const transform = transforms[name];
    handlers[name] = async (content, _params, context) => {
      await abortableDelay(delayMs, context.signal);
      return transform(content);
    };
  }
  return handlers;
}
