import type { Logger } from "../core/logger.js";
import {
  type NodeMessage,
  type TaskAssign,
  TaskErrorCode,
  type TaskResult,
} from "../gen/switchyard/v1/node.js";
import { TaskFailure, type TaskFailureCode, type TaskHandler } from "./types.js";

const FAILURE_CODES: Record<TaskFailureCode, TaskErrorCode> = {
  internal: TaskErrorCode.TASK_ERROR_CODE_INTERNAL,
  invalid_input: TaskErrorCode.TASK_ERROR_CODE_INVALID_INPUT,
  unsupported: TaskErrorCode.TASK_ERROR_CODE_UNSUPPORTED,
  upstream: TaskErrorCode.TASK_ERROR_CODE_UPSTREAM,
  overloaded: TaskErrorCode.TASK_ERROR_CODE_OVERLOADED,
};

/** Longest error message sent to the router. */
const MAX_ERROR_MESSAGE = 1_000;

/** How a running task talks back to its router. */
export interface TaskOutput {
  send(message: NodeMessage): void;
  /** Resolves when the stream has room again (back-pressure). */
  flushed(): Promise<void>;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

function failure(taskId: string, code: TaskErrorCode, message: string): TaskResult {
  return {
    taskId,
    outcome: { $case: "error", value: { code, message: message.slice(0, MAX_ERROR_MESSAGE) } },
  };
}

/** Maps whatever a handler threw to the TaskResult the router gets. */
export function failureResult(taskId: string, err: unknown, signal: AbortSignal): TaskResult {
  if (signal.aborted) {
    const reason =
      signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "cancelled");
    return failure(taskId, TaskErrorCode.TASK_ERROR_CODE_CANCELLED, reason);
  }
  if (err instanceof TaskFailure) return failure(taskId, FAILURE_CODES[err.code], err.message);
  const message = err instanceof Error ? err.message : String(err);
  return failure(taskId, TaskErrorCode.TASK_ERROR_CODE_INTERNAL, message || "the handler failed");
}

function asText(piece: unknown): string {
  if (typeof piece !== "string") throw new TaskFailure("internal", "the handler produced a non-string value");
  return piece;
}

/**
 * Runs one task: calls the handler, streams its pieces as deltas when the client streams (waiting for
 * the stream to drain between pieces), and always ends with exactly one TaskResult. Never throws.
 */
export async function runTask(
  assign: TaskAssign,
  handler: TaskHandler,
  signal: AbortSignal,
  out: TaskOutput,
  logger: Logger,
): Promise<void> {
  const taskId = assign.taskId;
  let result: TaskResult;
  try {
    const produced = handler(assign.content, assign.params ?? {}, {
      signal,
      taskId,
      jobId: assign.jobId,
      chunkIndex: assign.chunkIndex,
      chunkCount: assign.chunkCount,
      capability: assign.capability,
      model: assign.model,
      messages: assign.messages,
      language: assign.language,
      deadlineUnixMs: assign.deadlineUnixMs,
      stream: assign.stream,
      logger,
    });
    if (isAsyncIterable(produced)) {
      const pieces: string[] = [];
      for await (const piece of produced) {
        signal.throwIfAborted();
        const text = asText(piece);
        if (assign.stream) {
          if (text === "") continue;
          out.send({ msg: { $case: "delta", value: { taskId, text } } });
          await out.flushed();
        } else {
          pieces.push(text);
        }
      }
      signal.throwIfAborted();
      result = { taskId, outcome: { $case: "output", value: assign.stream ? "" : pieces.join("") } };
    } else {
      const text = asText(await produced);
      signal.throwIfAborted();
      if (assign.stream && text !== "") {
        // A handler that returns the whole text still streams it, as one piece.
        out.send({ msg: { $case: "delta", value: { taskId, text } } });
        result = { taskId, outcome: { $case: "output", value: "" } };
      } else {
        result = { taskId, outcome: { $case: "output", value: text } };
      }
    }
  } catch (err) {
    result = failureResult(taskId, err, signal);
    if (!signal.aborted) logger.warn({ err }, "handler failed");
  }
  out.send({ msg: { $case: "result", value: result } });
}
