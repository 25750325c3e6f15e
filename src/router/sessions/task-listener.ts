import type { Usage } from "../../gen/switchyard/v1/common.js";
import type { TaskErrorCode } from "../../gen/switchyard/v1/node.js";

/** Why a task ended without output. */
export type TaskFailureInfo =
  /** The node answered with an error. */
  | { kind: "node-error"; code: TaskErrorCode; message: string }
  /** The node left (disconnected, timed out, replaced) before answering. */
  | { kind: "lost"; message: string };

/** Receives what a node sends for one task. Exactly one of onResult / onFailure is called, once. */
export interface TaskListener {
  onDelta(text: string): void;
  onResult(output: string, usage: Usage | undefined): void;
  onFailure(failure: TaskFailureInfo): void;
}
