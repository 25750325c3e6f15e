import type { Logger } from "../core/logger.js";
import type { ChatMessage } from "../gen/switchyard/v1/common.js";

export type { ChatMessage };

/** What a handler learns about the task it runs, besides the content and params. */
export interface TaskContext {
  /** Aborted when the router cancels the task (client gone, deadline passed) or the node is forced to stop. */
  signal: AbortSignal;
  taskId: string;
  jobId: string;
  /** 0-based chunk index and chunk count (1 when the job was not split). */
  chunkIndex: number;
  chunkCount: number;
  capability: string;
  /** The model the client asked for (chat and completion jobs), or "". */
  model: string;
  /** The whole conversation for chat jobs, roles and order kept; empty otherwise. */
  messages: ChatMessage[];
  /** The language the client asked for, or "". */
  language: string;
  /** Unix time in ms after which the router stops waiting. */
  deadlineUnixMs: number;
  /** True when the client streams: yield pieces as they are produced. */
  stream: boolean;
  /** A child logger carrying the task's ids. */
  logger: Logger;
}

/** Free-form parameters sent by the client. */
export type TaskParams = Record<string, unknown>;

/**
 * A handler turns content into output. It may return the whole output (a string or a Promise of one),
 * or stream it as an AsyncIterable of pieces, which the client receives as they are yielded.
 * Throwing fails the task (a TaskFailure chooses the error code); it never stops the node.
 */
export type TaskHandler = (
  content: string,
  params: TaskParams,
  context: TaskContext,
) => string | Promise<string> | AsyncIterable<string>;

/** Error codes a handler may fail a task with; see TaskErrorCode in proto/switchyard/v1/node.proto. */
export type TaskFailureCode = "internal" | "invalid_input" | "unsupported" | "upstream" | "overloaded";

/**
 * Throw from a handler to fail the task with a specific code. `invalid_input` is not retried and the
 * client gets a 400; the others make the router try another node. Any other thrown value counts as
 * `internal`.
 */
export class TaskFailure extends Error {
  override readonly name = "TaskFailure";
  readonly code: TaskFailureCode;

  constructor(code: TaskFailureCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
