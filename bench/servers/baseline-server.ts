/**
 * The baseline: a bare `node:http` server answering the bench's chat request with a chat completion of
 * the same shape as the gateway's, after the same simulated model time. Whatever Switchyard adds on top
 * of this is the cost of the gateway, the router and the worker hops. A `stream: true` request gets the
 * gateway's SSE shape at the bench worker's pace: after the first piece's wait, the headers, a role
 * chunk and the first piece, then one piece every PIECE_INTERVAL_MS, a finish chunk and `[DONE]`.
 *
 * Run as a child of bench/run.ts: `node bin/run-ts.js bench/servers/baseline-server.ts`.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
  BENCH_MODEL,
  CHAT_PATH,
  chatChunk,
  chatCompletionBody,
  HANDLER_DELAY_MS,
  PIECE_INTERVAL_MS,
  STREAM_PIECES,
  streamPiece,
} from "../chat.js";
import { announce, closeWhenParentGoes } from "../child-lifecycle.js";

function wantsStream(body: unknown): boolean {
  return typeof body === "object" && body !== null && (body as { stream?: unknown }).stream === true;
}

function lastUserMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const messages = (body as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m: unknown = messages[i];
    if (typeof m === "object" && m !== null) {
      const { role, content } = m as { role?: unknown; content?: unknown };
      if (role === "user" && typeof content === "string") return content;
    }
  }
  return undefined;
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "POST" || req.url !== CHAT_PATH) {
    send(res, 404, '{"error":{"message":"not found","type":"invalid_request_error"}}');
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    body = undefined;
  }
  const prompt = lastUserMessage(body);
  if (prompt === undefined) {
    send(res, 400, '{"error":{"message":"no user message","type":"invalid_request_error"}}');
    return;
  }
  if (wantsStream(body)) {
    await stream(res);
    return;
  }
  await sleep(HANDLER_DELAY_MS);
  send(res, 200, chatCompletionBody(randomUUID(), BENCH_MODEL, prompt));
}

/** Writes one SSE event, waiting for 'drain' (or the connection's end) when the socket's buffer is full. */
async function event(res: ServerResponse, data: string): Promise<void> {
  if (res.write(`data: ${data}\n\n`)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

async function stream(res: ServerResponse): Promise<void> {
  const id = randomUUID();
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, string>, finish: "stop" | null): string =>
    chatChunk(id, created, BENCH_MODEL, delta, finish);
  let closed = false;
  res.once("close", () => {
    closed = true;
  });
  for (let i = 0; i < STREAM_PIECES && !closed; i++) {
    await sleep(PIECE_INTERVAL_MS);
    if (i === 0) {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      await event(res, chunk({ role: "assistant", content: "" }, null));
    }
    await event(res, chunk({ content: streamPiece(i) }, null));
  }
  if (closed) return;
  await event(res, chunk({}, "stop"));
  res.end("data: [DONE]\n\n");
}

const server = createServer((req, res) => {
  answer(req, res).catch((err: unknown) => {
    console.error(err);
    if (!res.headersSent) send(res, 500, '{"error":{"message":"internal","type":"server_error"}}');
    else res.destroy();
  });
});
server.keepAliveTimeout = 75_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  announce(`http://127.0.0.1:${port}`);
});
closeWhenParentGoes(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);
