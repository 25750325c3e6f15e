/**
 * Test support: a small OpenAI-compatible HTTP server on 127.0.0.1, with `GET /v1/models`,
 * `POST /v1/chat/completions` and `POST /v1/completions`, each plain or streamed as server-sent events.
 * It records every request and lets a test choose the reply, fail every request, and control when
 * streamed pieces go out.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request the server received. */
export interface RecordedRequest {
  method: string;
  /** The path with its query, e.g. "/v1/chat/completions". */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
  /** Resolves when the response is over: sent completely, or its connection closed first. */
  closed: Promise<void>;
  /** True when the client closed the connection before the response was complete. */
  abortedByClient: boolean;
}

/** Options of `startOpenAICompatibleServer`. */
export interface OpenAICompatibleServerOptions {
  /** Ids listed by `GET /v1/models`. Default ["test-model"]. */
  models?: string[];
  /** The answer to every chat and completion request. Default "Hello from the test server". */
  reply?: string;
  /** The streamed pieces of the answer. Default: the reply cut after each run of whitespace. */
  pieces?: string[];
  /** When set, every request fails with this status and an OpenAI error body with this message. */
  failure?: { status: number; message?: string };
  /** Line ending of the event stream. Default "\n". */
  lineEnding?: "\n" | "\r\n";
  /** Stream only this many pieces, then keep the stream open until the client goes away. */
  holdAfterPieces?: number;
  /** Awaited before streaming piece `index` (0-based): lets a test pace the stream. */
  beforePiece?: (index: number) => Promise<void>;
  /**
   * Every streamed event is written in two socket writes, cut in the middle of its bytes; this is
   * awaited between the two. Default: one turn of the event loop.
   */
  betweenHalves?: () => Promise<void>;
}

/** A running server; `close()` ends every connection and stops it (idempotent). */
export interface OpenAICompatibleServer {
  /** E.g. `http://127.0.0.1:43210/v1`. */
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function errorBody(message: string): unknown {
  return { error: { message, type: "invalid_request_error", param: null, code: null } };
}

/** Starts the server on 127.0.0.1, on a free port. */
export async function startOpenAICompatibleServer(
  options: OpenAICompatibleServerOptions = {},
): Promise<OpenAICompatibleServer> {
  const models = options.models ?? ["test-model"];
  const reply = options.reply ?? "Hello from the test server";
  const pieces = options.pieces ?? reply.split(/(?<=\s)(?=\S)/u);
  const eol = options.lineEnding ?? "\n";
  const betweenHalves = options.betweenHalves ?? nextTurn;
  const requests: RecordedRequest[] = [];

  async function stream(
    res: ServerResponse,
    record: RecordedRequest,
    chat: boolean,
    model: string,
  ): Promise<void> {
    const base = {
      id: "test-1",
      created: 0,
      model,
      object: chat ? "chat.completion.chunk" : "text_completion",
    };
    const event = (text: string | undefined, finish: string | null): string => {
      const choice = chat
        ? { index: 0, delta: text === undefined ? {} : { content: text }, finish_reason: finish }
        : { index: 0, text: text ?? "", finish_reason: finish };
      return `data: ${JSON.stringify({ ...base, choices: [choice] })}${eol}${eol}`;
    };
    const gone = (): boolean => record.abortedByClient || res.destroyed;
    const write = async (text: string): Promise<void> => {
      const bytes = Buffer.from(text);
      const middle = Math.floor(bytes.length / 2);
      res.write(bytes.subarray(0, middle));
      await Promise.race([betweenHalves(), record.closed]);
      if (!gone()) res.write(bytes.subarray(middle));
    };

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(`: stream opened${eol}${eol}`);
    if (chat) {
      res.write(
        `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: "assistant" } }] })}${eol}${eol}`,
      );
    }
    for (const [index, piece] of pieces.entries()) {
      if (index === options.holdAfterPieces) {
        await record.closed;
        return;
      }
      if (options.beforePiece !== undefined) await Promise.race([options.beforePiece(index), record.closed]);
      if (gone()) return;
      await write(event(piece, null));
      if (gone()) return;
    }
    if (options.holdAfterPieces !== undefined && options.holdAfterPieces >= pieces.length) {
      await record.closed;
      return;
    }
    await write(event(chat ? undefined : "", "stop"));
    if (!gone()) res.end(`data: [DONE]${eol}${eol}`);
  }

  async function respond(res: ServerResponse, record: RecordedRequest): Promise<void> {
    const route = `${record.method} ${record.path}`;
    if (options.failure !== undefined) {
      sendJson(res, options.failure.status, errorBody(options.failure.message ?? "the test server refused"));
      return;
    }
    if (route === "GET /v1/models") {
      sendJson(res, 200, {
        object: "list",
        data: models.map((id) => ({ id, object: "model", owned_by: "test" })),
      });
      return;
    }
    const chat = route === "POST /v1/chat/completions";
    if (!chat && route !== "POST /v1/completions") {
      sendJson(res, 404, errorBody(`no route for ${route}`));
      return;
    }
    const body = (typeof record.body === "object" && record.body !== null ? record.body : {}) as Record<
      string,
      unknown
    >;
    const model = typeof body.model === "string" ? body.model : (models[0] ?? "");
    if (body.stream === true) {
      await stream(res, record, chat, model);
      return;
    }
    const choice = chat
      ? { index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }
      : { index: 0, text: reply, finish_reason: "stop" };
    sendJson(res, 200, {
      id: "test-1",
      object: chat ? "chat.completion" : "text_completion",
      created: 0,
      model,
      choices: [choice],
    });
  }

  const server = createServer((req, res) => {
    let finished!: () => void;
    const record: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: undefined,
      closed: new Promise<void>((resolve) => {
        finished = resolve;
      }),
      abortedByClient: false,
    };
    res.on("close", () => {
      record.abortedByClient = !res.writableFinished;
      finished();
    });
    requests.push(record);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        record.body = text === "" ? undefined : JSON.parse(text);
      } catch {
        sendJson(res, 400, errorBody("the body is not JSON"));
        return;
      }
      respond(res, record).catch(() => res.destroy());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
