/** Test support for calling handlers directly: a task context, and readers for their output. */
import { silentLogger } from "../../core/logger.js";
import type { TaskContext, TaskHandler } from "../types.js";

/** A TaskContext for a one-chunk task that never aborts unless `overrides.signal` does. */
export function taskContext(overrides: Partial<TaskContext> = {}): TaskContext {
  return {
    signal: new AbortController().signal,
    taskId: "task-1",
    jobId: "job-1",
    chunkIndex: 0,
    chunkCount: 1,
    capability: "test",
    model: "",
    messages: [],
    language: "",
    deadlineUnixMs: Date.now() + 60_000,
    stream: false,
    logger: silentLogger(),
    ...overrides,
  };
}

/** What a handler returns. */
export type HandlerOutput = ReturnType<TaskHandler>;

/** The whole answer of a handler that does not stream. Throws when the handler returned a stream. */
export function whole(out: HandlerOutput): Promise<string> {
  if (typeof out !== "string" && !(out instanceof Promise)) throw new Error("expected a whole answer");
  return Promise.resolve(out);
}

/** An iterator over a streaming handler's pieces. Throws when the handler returned a whole answer. */
export function iterate(out: HandlerOutput): AsyncIterator<string> {
  if (typeof out === "string" || out instanceof Promise) throw new Error("expected a stream");
  return out[Symbol.asyncIterator]();
}

/** Every piece of a streaming handler's output, in order. */
export async function collect(out: HandlerOutput): Promise<string[]> {
  const pieces: string[] = [];
  const iterator = iterate(out);
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next())
    pieces.push(next.value);
  return pieces;
}
