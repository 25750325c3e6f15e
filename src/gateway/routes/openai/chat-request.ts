import type { ChatMessage, JobRequest } from "../../../client/types.js";
import { invalidArgument } from "../../../core/errors.js";
import {
  bodyObject,
  checkSingleChoice,
  type FieldKind,
  isJsonObject,
  optionalString,
  requiredModel,
  samplingParams,
  streamFlags,
} from "./fields.js";
import { type JobExtras, routingModel } from "./job-common.js";
import { countChars } from "./usage.js";

/** The roles a chat message may have. */
export const CHAT_ROLES: ReadonlySet<string> = new Set(["system", "developer", "user", "assistant", "tool"]);

/** The sampling fields of a chat request that are passed to the node as `params`. */
const CHAT_SAMPLING: Readonly<Record<string, FieldKind>> = {
  temperature: "number",
  top_p: "number",
  presence_penalty: "number",
  frequency_penalty: "number",
  max_tokens: "positiveInteger",
  max_completion_tokens: "positiveInteger",
  stop: "stop",
  seed: "integer",
};

/** A validated `POST /v1/chat/completions` body. Fields the gateway does not serve are dropped. */
export interface ChatCompletionRequest {
  /** The model as the client named it. */
  model: string;
  /** The conversation in order, each message's content flattened to text. */
  messages: ChatMessage[];
  stream: boolean;
  /** `stream_options.include_usage`: end the stream with a usage chunk. */
  includeUsage: boolean;
  /** The sampling fields that were given, under their OpenAI names. */
  params: Record<string, unknown>;
  /** The end-user id. Validated but not sent to nodes, which may belong to other operators. */
  user: string | undefined;
}

/**
 * Flattens message content to text: a string as is, null or absent as "", an array of parts as the
 * `text` of its text parts joined with "\n". Any other part type is rejected.
 */
export function flattenContent(content: unknown, param: string): string {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) {
    throw invalidArgument(`'${param}' must be a string, null or an array of content parts.`, param);
  }
  const texts: string[] = [];
  content.forEach((part: unknown, j) => {
    const partParam = `${param}[${j}]`;
    if (!isJsonObject(part)) throw invalidArgument(`'${partParam}' must be an object.`, partParam);
    if (part.type !== "text") {
      const type = typeof part.type === "string" ? `'${part.type}'` : "without a type";
      throw invalidArgument(
        `Content part ${type} is not supported; only text parts are accepted.`,
        `${partParam}.type`,
      );
    }
    if (typeof part.text !== "string") {
      throw invalidArgument(`'${partParam}.text' must be a string.`, `${partParam}.text`);
    }
    texts.push(part.text);
  });
  return texts.join("\n");
}

function parseMessage(value: unknown, index: number): ChatMessage {
  const param = `messages[${index}]`;
  if (!isJsonObject(value)) throw invalidArgument(`'${param}' must be an object.`, param);
  const role = value.role;
  if (typeof role !== "string" || !CHAT_ROLES.has(role)) {
    throw invalidArgument(
      `'${param}.role' must be one of ${[...CHAT_ROLES].map((r) => `'${r}'`).join(", ")}.`,
      `${param}.role`,
    );
  }
  const content = flattenContent(value.content, `${param}.content`);
  const name = optionalString(value.name, `${param}.name`) ?? "";
  return { role, content, name };
}

function parseMessages(value: unknown): ChatMessage[] {
  if (value === undefined || value === null) throw invalidArgument("'messages' is required.", "messages");
  if (!Array.isArray(value)) throw invalidArgument("'messages' must be an array.", "messages");
  if (value.length === 0) throw invalidArgument("'messages' must contain at least one message.", "messages");
  return value.map((m: unknown, i) => parseMessage(m, i));
}

/** Validates a chat completion body. Throws invalid_argument naming the field at fault. */
export function parseChatCompletionRequest(body: unknown): ChatCompletionRequest {
  const obj = bodyObject(body);
  const model = requiredModel(obj);
  const messages = parseMessages(obj.messages);
  const { stream, includeUsage } = streamFlags(obj);
  checkSingleChoice(obj.n);
  const params = samplingParams(obj, CHAT_SAMPLING);
  const user = optionalString(obj.user, "user");
  return { model, messages, stream, includeUsage, params, user };
}

/**
 * The job for a chat request: capability "chat", the whole conversation, the last user message as
 * `content`, and the given sampling fields as `params`.
 */
export function toChatJob(request: ChatCompletionRequest, extras: JobExtras = {}): JobRequest {
  const lastUser = request.messages.findLast((m) => m.role === "user");
  const job: JobRequest = {
    capability: "chat",
    model: routingModel(request.model),
    messages: request.messages,
    content: lastUser?.content ?? "",
    params: request.params,
  };
  if (extras.deadlineMs !== undefined) job.deadlineMs = extras.deadlineMs;
  return job;
}

/** The prompt size in code points (all messages), for usage estimates. */
export function chatPromptChars(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + countChars(m.content), 0);
}
