import { TaskFailure, type TaskHandler } from "../types.js";
import {
  chatRequestBody,
  chunkPiece,
  completionRequestBody,
  type Endpoint,
  errorMessage,
  failureCodeForStatus,
  responseText,
} from "./openai-wire.js";
import { sseEvents } from "./sse.js";
import { UpstreamCall } from "./upstream-call.js";

/** Options of `createOpenAIUpstream`. */
export interface OpenAIUpstreamOptions {
  /** Base URL of the OpenAI-compatible API, including its version path, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** Sent as `authorization: Bearer <apiKey>` when set and non-empty. */
  apiKey?: string;
  /**
   * The longest the upstream may stay silent, in ms: until the whole answer of a plain request, and
   * until the first event, then between two events, of a streamed one. Default 600 000 (10 minutes).
   */
  timeoutMs?: number;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** A client of one OpenAI-compatible model server (vLLM, llama.cpp server, Ollama, ...). */
export interface OpenAIUpstream {
  /** The validated base URL, without a trailing slash. */
  readonly baseUrl: string;
  /**
   * The ids of the models the upstream serves (`GET {baseUrl}/models`). Rejects with a TaskFailure
   * when the upstream fails or answers something else than a model list, and with the abort reason
   * when `signal` aborts.
   */
  listModels(signal?: AbortSignal): Promise<string[]>;
  /**
   * Forwards a chat task to `POST {baseUrl}/chat/completions`: the task's conversation (or one user
   * message with the content), model and sampling params. Streams the answer's pieces when the task
   * streams. Fails with TaskFailure: "invalid_input" when the upstream refuses the request (400, 404,
   * 422), "overloaded" when it is busy (429, 503), "upstream" otherwise. A cancelled task aborts the
   * upstream request and fails with the abort reason.
   */
  chat: TaskHandler;
  /** Like `chat`, for `POST {baseUrl}/completions` with the content as the prompt. */
  completion: TaskHandler;
}

const DEFAULT_TIMEOUT_MS = 600_000;
/** Upstream error messages are cut to this length before they are passed on. */
const MAX_ERROR_MESSAGE = 500;

function checkBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (err) {
    throw new Error(`openai-upstream: baseUrl ${JSON.stringify(baseUrl)} is not a valid URL`, { cause: err });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`openai-upstream: baseUrl must be an http: or https: URL (got ${url.protocol})`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new Error("openai-upstream: baseUrl must not have a query or a fragment");
  }
  return url.href.replace(/\/+$/, "");
}

function checkTimeoutMs(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new Error(
      `openai-upstream: timeoutMs must be a positive number of milliseconds (got ${timeoutMs})`,
    );
  }
  return timeoutMs;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TaskFailure("upstream", `the upstream sent ${what} that is not JSON`, { cause: err });
  }
}

/** Fails the task with the code and message that an upstream error response calls for. */
async function statusFailure(response: Response): Promise<TaskFailure> {
  const text = (await response.text()).trim();
  let detail: string | undefined;
  try {
    detail = errorMessage(JSON.parse(text));
  } catch {
    // Not JSON: the body itself is the message.
  }
  if (detail === undefined && text !== "") detail = text;
  const cut =
    detail !== undefined && detail.length > MAX_ERROR_MESSAGE
      ? `${detail.slice(0, MAX_ERROR_MESSAGE)}…`
      : detail;
  const message = `the upstream answered ${response.status}${cut === undefined ? "" : `: ${cut}`}`;
  return new TaskFailure(failureCodeForStatus(response.status), message);
}

function isEventStream(response: Response): boolean {
  return (response.headers.get("content-type") ?? "").toLowerCase().includes("text/event-stream");
}

/**
 * Creates a client of an OpenAI-compatible model server, whose `chat` and `completion` are task
 * handlers. Uses no connection until a handler runs. Throws an Error when `baseUrl` is not an http: or
 * https: URL (or has a query or fragment) or `timeoutMs` is not a positive number.
 */
export function createOpenAIUpstream(options: OpenAIUpstreamOptions): OpenAIUpstream {
  const baseUrl = checkBaseUrl(options.baseUrl);
  const timeoutMs = checkTimeoutMs(options.timeoutMs);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const auth: Record<string, string> =
    options.apiKey === undefined || options.apiKey === ""
      ? {}
      : { authorization: `Bearer ${options.apiKey}` };

  /** Sends the request; resolves with a successful response, or throws the upstream's failure. */
  async function send(call: UpstreamCall, path: string, body?: unknown, stream = false): Promise<Response> {
    const response = await fetchImpl(`${baseUrl}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: {
        ...auth,
        accept: stream ? "text/event-stream" : "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: call.signal,
    });
    if (!response.ok) throw await statusFailure(response);
    return response;
  }

  async function whole(
    endpoint: Endpoint,
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<string> {
    const call = new UpstreamCall(signal, timeoutMs);
    try {
      const response = await send(call, path, body);
      const text = responseText(endpoint, parseJson(await response.text(), "a response"));
      if (text === undefined) throw new TaskFailure("upstream", "the upstream's response has no answer text");
      return text;
    } catch (err) {
      throw call.failure(err);
    } finally {
      call.close();
    }
  }

  async function* streamed(
    endpoint: Endpoint,
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): AsyncGenerator<string> {
    const call = new UpstreamCall(signal, timeoutMs);
    try {
      const response = await send(call, path, body, true);
      if (!isEventStream(response) || response.body === null) {
        // The upstream ignored `stream: true` and answered in one piece.
        const text = responseText(endpoint, parseJson(await response.text(), "a response"));
        if (text === undefined)
          throw new TaskFailure("upstream", "the upstream's response has no answer text");
        if (text !== "") yield text;
        return;
      }
      let complete = false;
      for await (const event of sseEvents(response.body, () => call.touch())) {
        if (event.data === "[DONE]") {
          complete = true;
          break;
        }
        const chunk = parseJson(event.data, "a stream event");
        if (
          event.event === "error" ||
          (isObject(chunk) && chunk.error !== undefined && chunk.error !== null)
        ) {
          const detail = errorMessage(chunk) ?? "unknown error";
          throw new TaskFailure("upstream", `the upstream failed mid-stream: ${detail}`);
        }
        const piece = chunkPiece(endpoint, chunk);
        if (piece.finished) complete = true;
        if (piece.text !== "") {
          call.pause();
          yield piece.text;
          call.resume();
        }
      }
      if (!complete)
        throw new TaskFailure("upstream", "the upstream's stream ended before the answer was complete");
    } catch (err) {
      throw call.failure(err);
    } finally {
      call.close();
    }
  }

  function handler(endpoint: Endpoint, path: string): TaskHandler {
    return (content, params, context) => {
      const body =
        endpoint === "chat"
          ? chatRequestBody(content, params, context)
          : completionRequestBody(content, params, context);
      return context.stream
        ? streamed(endpoint, path, body, context.signal)
        : whole(endpoint, path, body, context.signal);
    };
  }

  async function listModels(signal: AbortSignal = new AbortController().signal): Promise<string[]> {
    const call = new UpstreamCall(signal, timeoutMs);
    try {
      const response = await send(call, "/models");
      const list = parseJson(await response.text(), "a model list");
      const data = isObject(list) ? list.data : undefined;
      if (!Array.isArray(data))
        throw new TaskFailure("upstream", "the upstream's model list has no data array");
      return data.flatMap((model: unknown) =>
        isObject(model) && typeof model.id === "string" ? [model.id] : [],
      );
    } catch (err) {
      throw call.failure(err);
    } finally {
      call.close();
    }
  }

  return {
    baseUrl,
    listModels,
    chat: handler("chat", "/chat/completions"),
    completion: handler("completion", "/completions"),
  };
}
