/**
 * The OpenAI wire format as the upstream handler needs it: request bodies built from a task, and the
 * few fields read back from responses. Pure functions of plain values.
 */
import type { ChatMessage, TaskFailureCode, TaskParams } from "../types.js";

/** Sampling parameters copied from a job's params to the upstream request when present. */
export const FORWARDED_PARAMS = [
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "presence_penalty",
  "frequency_penalty",
  "seed",
] as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function samplingParams(params: TaskParams): Json {
  const picked: Json = {};
  for (const name of FORWARDED_PARAMS) {
    const value = params[name];
    if (value !== undefined && value !== null) picked[name] = value;
  }
  return picked;
}

function withModelAndStream(body: Json, model: string, stream: boolean): Json {
  if (model !== "") body.model = model;
  if (stream) body.stream = true;
  return body;
}

/**
 * The body of `POST /chat/completions`: the conversation (one user message with `content` when it is
 * empty), the model (left out when empty), the forwarded sampling params and `stream: true` when
 * streaming.
 */
export function chatRequestBody(
  content: string,
  params: TaskParams,
  task: { model: string; messages: readonly ChatMessage[]; stream: boolean },
): Json {
  const messages =
    task.messages.length === 0
      ? [{ role: "user", content }]
      : task.messages.map((m) =>
          m.name === ""
            ? { role: m.role, content: m.content }
            : { role: m.role, content: m.content, name: m.name },
        );
  return withModelAndStream({ ...samplingParams(params), messages }, task.model, task.stream);
}

/** The body of `POST /completions`, with `prompt` = content; otherwise like `chatRequestBody`. */
export function completionRequestBody(
  content: string,
  params: TaskParams,
  task: { model: string; stream: boolean },
): Json {
  return withModelAndStream({ ...samplingParams(params), prompt: content }, task.model, task.stream);
}

/** Which endpoint a response came from, which decides where its text is. */
export type Endpoint = "chat" | "completion";

function firstChoice(response: unknown): Json | undefined {
  if (!isObject(response) || !Array.isArray(response.choices)) return undefined;
  const choice: unknown = response.choices[0];
  return isObject(choice) ? choice : undefined;
}

/**
 * The text of a whole (non-streamed) response: `choices[0].message.content` for chat (empty when the
 * model answered with no content), `choices[0].text` for completions; undefined when the response does
 * not have that shape.
 */
export function responseText(endpoint: Endpoint, response: unknown): string | undefined {
  const choice = firstChoice(response);
  if (choice === undefined) return undefined;
  if (endpoint === "completion") return typeof choice.text === "string" ? choice.text : undefined;
  if (!isObject(choice.message)) return undefined;
  const content = choice.message.content;
  if (content === null || content === undefined) return "";
  return typeof content === "string" ? content : undefined;
}

/** What one streamed chunk carries: its text piece (possibly empty) and whether it ends the choice. */
export interface ChunkPiece {
  text: string;
  finished: boolean;
}

/**
 * Reads one streamed chunk: `choices[0].delta.content` for chat, `choices[0].text` for completions.
 * A chunk without choices (a usage-only chunk, for example) gives an empty piece.
 */
export function chunkPiece(endpoint: Endpoint, chunk: unknown): ChunkPiece {
  const choice = firstChoice(chunk);
  if (choice === undefined) return { text: "", finished: false };
  const finished = typeof choice.finish_reason === "string" && choice.finish_reason !== "";
  const source =
    endpoint === "chat" ? (isObject(choice.delta) ? choice.delta.content : undefined) : choice.text;
  return { text: typeof source === "string" ? source : "", finished };
}

/**
 * The error message in an upstream error body, whichever common shape it has (`{"error":{"message"}}`,
 * `{"error":"..."}`, `{"message"}`, `{"detail"}`), or undefined.
 */
export function errorMessage(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const { error } = body;
  if (isObject(error) && typeof error.message === "string") return error.message;
  if (typeof error === "string") return error;
  if (typeof body.message === "string") return body.message;
  if (typeof body.detail === "string") return body.detail;
  return undefined;
}

/**
 * The task failure code for an upstream HTTP status: the request itself was refused (400, 404, 422) →
 * `invalid_input`; the upstream is busy (429, 503) → `overloaded`; anything else → `upstream`.
 */
export function failureCodeForStatus(status: number): TaskFailureCode {
  if (status === 400 || status === 404 || status === 422) return "invalid_input";
  if (status === 429 || status === 503) return "overloaded";
  return "upstream";
}
