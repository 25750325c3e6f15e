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
  /**
   * The JSON text of the chunk carrying a piece of the output: the chunk is the same for every piece
   * but its text, so it is serialised once per stream and each piece only fills in its JSON string.
   */
  content(text: string): string;
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

/** A placeholder that no JSON string of a piece of output can be mistaken for. */
const SLOT = "\u0000switchyard-piece\u0000";

/**
 * The JSON text of `make(text)` for any `text`, from one serialisation of `make(SLOT)`: the text before
 * and after the field `key` whose value is the slot. Strings inside the JSON escape their quotes, so
 * `"key":"<slot>"` with bare quotes occurs only as that field, whatever the model name holds.
 */
export function pieceTemplate(make: (text: string) => object, key: string): (text: string) => string {
  const json = JSON.stringify(make(SLOT));
  const name = `${JSON.stringify(key)}:`;
  const field = name + JSON.stringify(SLOT);
  const at = json.lastIndexOf(field);
  if (at < 0) throw new Error(`the chunk has no field ${key} holding the piece`);
  const before = json.slice(0, at + name.length);
  const after = json.slice(at + field.length);
  return (text) => before + JSON.stringify(text) + after;
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
    content: pieceTemplate((text) => envelope(ctx, object, [choice({ content: text }, null)]), "content"),
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
    content: pieceTemplate((text) => envelope(ctx, object, [choice(text, null)]), "text"),
    finish: () => envelope(ctx, object, [choice("", "stop")]),
    usage: (usage) => ({ ...envelope(ctx, object, []), usage }),
  };
}
