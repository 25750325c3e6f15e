/**
 * The chat request every scenario sends and what a valid answer to it looks like, shared by the load
 * generator, the Switchyard worker's handler and the baseline server so both targets do the same work.
 */

/** The OpenAI model id that lets the router pick any chat node. */
export const AUTO_MODEL = "switchyard/auto";

/** The model the bench worker advertises. */
export const BENCH_MODEL = "switchyard/bench";

/** Time the simulated model spends on every answer. */
export const HANDLER_DELAY_MS = 20;

export const CHAT_PATH = "/v1/chat/completions";

const PROMPT = "Say hello to the benchmark in one short sentence.";

/** Body of every request: a non-streaming chat completion. */
export const CHAT_REQUEST_BODY = JSON.stringify({
  model: AUTO_MODEL,
  messages: [{ role: "user", content: PROMPT }],
});

/** The simulated model's answer to a user message. */
export function replyTo(text: string): string {
  return `You said: ${text.trim()}`;
}

/** A `chat.completion` body, the shape the gateway answers with; used by the baseline server. */
export function chatCompletionBody(id: string, model: string, prompt: string): string {
  const content = replyTo(prompt);
  return JSON.stringify({
    id: `chatcmpl-${id}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: {
      prompt_tokens: Math.ceil(prompt.length / 4),
      completion_tokens: Math.ceil(content.length / 4),
      total_tokens: Math.ceil(prompt.length / 4) + Math.ceil(content.length / 4),
    },
  });
}

const EXPECTED_CONTENT = JSON.stringify(replyTo(PROMPT));

/**
 * True when a response body is a finished chat completion carrying the expected answer. A cheap text
 * check, so that verifying every response costs the load generator little.
 */
export function isValidAnswer(body: string): boolean {
  return (
    body.includes('"object":"chat.completion"') &&
    body.includes('"finish_reason":"stop"') &&
    body.includes(`"content":${EXPECTED_CONTENT}`)
  );
}

/** Pieces of every streamed answer (`sse-512`), and the time the simulated model takes per piece. */
export const STREAM_PIECES = 64;
export const PIECE_INTERVAL_MS = 20;

/** The i-th piece (0-based) of a streamed answer. */
export function streamPiece(i: number): string {
  return `t${i} `;
}

/** What the pieces of one streamed answer add up to. */
export const STREAMED_ANSWER = Array.from({ length: STREAM_PIECES }, (_, i) => streamPiece(i)).join("");

/** Body of every streamed request: the same chat completion, `stream: true`. */
export const STREAM_REQUEST_BODY = JSON.stringify({
  model: AUTO_MODEL,
  stream: true,
  messages: [{ role: "user", content: PROMPT }],
});

/** One `chat.completion.chunk` of a stream, in the gateway's shape; used by the baseline server. */
export function chatChunk(
  id: string,
  created: number,
  model: string,
  delta: Record<string, string>,
  finish: "stop" | null,
): string {
  return JSON.stringify({
    id: `chatcmpl-${id}`,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
}

/** The gRPC job of `grpc-submit-c64`: a capability whose handler answers at once with its content. */
export const ECHO_CAPABILITY = "echo";
export const ECHO_CONTENT = "ping from the benchmark";

/** The raw gRPC echo server's one method (the grpc-submit-c64 baseline). */
export const ECHO_METHOD = "/bench.Echo/Echo";
