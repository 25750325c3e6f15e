import type { Usage } from "../../gen/switchyard/v1/common.js";
import type { TaskAssign } from "../../gen/switchyard/v1/node.js";
import type { TaskFailureInfo, TaskListener } from "../sessions/task-listener.js";
import type { AdminEvents, DirectoryEvents, Subscription } from "./events.js";

/** Why the replica holding a node would not take a task. */
export type RefusalReason =
  /** The node is at its concurrency limit or draining: try another node or wait. */
  | "busy"
  /** No replica holds the node any more. */
  | "gone"
  /** The owner did not answer in time. */
  | "unreachable";

/** Thrown by Bus.dispatch when the task was not taken. */
export class DispatchRefused extends Error {
  override readonly name = "DispatchRefused";
  constructor(readonly reason: RefusalReason) {
    super(`the task was refused: ${reason}`);
  }
}

/** Where the owner replica sends what the node produces for a remote task. */
export interface RemoteTaskSink {
  delta(text: string): void;
  result(output: string, usage: Usage | undefined): void;
  failure(failure: TaskFailureInfo): void;
}

/** Serves the tasks offered for one node: answers undefined when it took the task, or why not. */
export type OfferHandler = (assign: TaskAssign, sink: RemoteTaskSink) => RefusalReason | undefined;

/** A task running on another replica's node. */
export interface RemoteTask {
  cancel(reason: string): void;
}

/**
 * The fan-out bus between router replicas: a replica serves the nodes on its streams, any replica
 * dispatches tasks to any node, and directory events reach every replica. Two implementations: NATS
 * (cluster) and in-process (several routers in one process).
 */
export interface Bus extends DirectoryEvents, AdminEvents {
  /** This replica's id. */
  readonly replicaId: string;
  /** Serves offers (and cancels) for a node this replica holds, until unsubscribed. */
  serveNode(
    nodeId: string,
    handler: OfferHandler,
    onCancel: (taskId: string, reason: string) => void,
  ): Promise<Subscription>;
  /**
   * Offers a task to the replica holding `nodeId`. `listener` hears the task's deltas and its end,
   * possibly before this resolves; if the owner replica disappears, the listener hears a `lost`
   * failure. Rejects with DispatchRefused when the task was not taken (the listener then hears
   * nothing).
   */
  dispatch(nodeId: string, assign: TaskAssign, listener: TaskListener): Promise<RemoteTask>;
  close(): Promise<void>;
}
