import type { OpenAIUsage } from "./usage.js";

/** What every chunk of one stream shares. */
export interface ChunkContext {
  /** The stream's id, the same on every chunk. */
  id: string;
  /** Unix seconds when the stream started. */
  created: number;
  model: string;
  /**
   * `stream_options.include_usage`: every chunk then carries `usage: null` and the stream ends with a
   * usage chunk whose `choices` is empty, as OpenAI does.
   */
  includeUsage: boolean;
}

/** The chunks of one OpenAI stream, in the order they are sent. */
export interface StreamFormat {
  /** Chunks sent before any content. */
  opening(): object[];
  /** A chunk carrying a piece of the output. */
  content(text: string): object;
  /** The chunk that closes the choice with `finish_reason: "stop"`. */
  finish(): object;
  /** The usage chunk (only sent when `includeUsage`). */
  usage(usage: OpenAIUsage): object;
}

function envelope(ctx: ChunkContext, object: string, choices: object[]): Record<string, unknown> {
  const chunk: Record<string, unknown> = {
    id: ctx.id,
    object,
    created: ctx.created,
    model: ctx.model,
    choices,
  };
  if (ctx.includeUsage) chunk.usage = null;
  return chunk;
}

/** `chat.completion.chunk`s: a role chunk first, then content deltas, then the finish chunk. */
export function chatStreamFormat(ctx: ChunkContext): StreamFormat {
  const object = "chat.completion.chunk";
  const choice = (delta: object, finish: "stop" | null): object => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finish,
  });
  return {
    opening: () => [envelope(ctx, object, [choice({ role: "assistant", content: "" }, null)])],
    content: (text) => envelope(ctx, object, [choice({ content: text }, null)]),
    finish: () => envelope(ctx, object, [choice({}, "stop")]),
    usage: (usage) => ({ ...envelope(ctx, object, []), usage }),
  };
}

/** `text_completion` chunks for the legacy completions endpoint: content, then the finish chunk. */
export function textStreamFormat(ctx: ChunkContext): StreamFormat {
  const object = "text_completion";
  const choice = (text: string, finish: "stop" | null): object => ({
    index: 0,
    text,
    logprobs: null,
    finish_reason: finish,
  });
  return {
    opening: () => [],
    content: (text) => envelope(ctx, object, [choice(text, null)]),
    finish: () => envelope(ctx, object, [choice("", "stop")]),
    usage: (usage) => ({ ...envelope(ctx, object, []), usage }),
  };
}
