import type { ServerDuplexStream } from "@grpc/grpc-js";
import { invalidArgument, type SwitchyardError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { Outbox } from "../../core/outbox.js";
import { ROUTER_BATCHING } from "../../core/stream-batching.js";
import type { NodeMessage, RouterMessage, TaskAssign, TaskResult } from "../../gen/switchyard/v1/node.js";
import type { NodeDirectory, NodeRecord } from "../directory/directory.js";
import type { TaskListener } from "./task-listener.js";

interface ActiveTask {
  /** Null once the router stopped caring (cancelled); the slot stays taken until the node answers. */
  listener: TaskListener | null;
}

export interface NodeSessionHooks {
  /** A slot on this node became free (a task ended, or draining was lifted). */
  onSlotFree(session: NodeSession): void;
  /** The session ended; it is already out of the directory's routing. */
  onClosed(session: NodeSession): void;
  /** The node sent something for a task it does not hold. */
  onRefused(session: NodeSession, kind: string, taskId: string): void;
}

/**
 * One node's stream. Holds the node's in-flight tasks, writes to the node with back-pressure, and turns
 * what the node sends into TaskListener calls. A node may only answer tasks it was given: anything else
 * is refused and changes nothing.
 */
export class NodeSession {
  readonly record: NodeRecord;
  private readonly tasks = new Map<string, ActiveTask>();
  private readonly outbox: Outbox<RouterMessage>;
  private nodeDraining = false;
  private routerDraining = false;
  private closeWhenIdle = false;
  private closed = false;

  constructor(
    private readonly call: ServerDuplexStream<NodeMessage, RouterMessage>,
    record: NodeRecord,
    private readonly directory: NodeDirectory,
    private readonly hooks: NodeSessionHooks,
    readonly logger: Logger,
    /** The node handles RouterBatch: the messages of one turn then go to it as one. */
    acceptsBatches = false,
  ) {
    this.record = record;
    this.outbox = new Outbox<RouterMessage>(call, acceptsBatches ? { batching: ROUTER_BATCHING } : {});
  }

  get id(): string {
    return this.record.id;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get inFlight(): number {
    return this.tasks.size;
  }

  /** Sends a message; when the stream is congested it waits in the outbox. */
  send(message: RouterMessage): void {
    if (!this.closed) this.outbox.send(message);
  }

  /** Gives the node a task. The caller has checked that the node has a free slot. */
  assign(task: TaskAssign, listener: TaskListener): void {
    this.tasks.set(task.taskId, { listener });
    this.syncLoad();
    this.send({ msg: { $case: "assign", value: task } });
  }

  /** Tells the node to stop a task. Its slot stays taken until the node answers or leaves. */
  cancel(taskId: string, reason: string): void {
    const task = this.tasks.get(taskId);
    if (!task) return;
    task.listener = null;
    this.send({ msg: { $case: "cancel", value: { taskId, reason } } });
  }

  /** Stops new work for this node; with `thenClose`, ends the stream once its tasks are done. */
  drain(reason: string, thenClose: boolean): void {
    if (this.closed) return;
    this.routerDraining = true;
    this.closeWhenIdle ||= thenClose;
    this.syncLoad();
    this.send({ msg: { $case: "drain", value: { reason } } });
    this.closeIfIdle();
  }

  /** Handles one message from the node. Returns an error when the stream must be closed for it. */
  receive(message: NodeMessage): SwitchyardError | undefined {
    this.record.lastSeenAtMs = Date.now();
    const msg = message.msg;
    switch (msg?.$case) {
      case "heartbeat":
        this.directory.touch(this.record.id);
        if (msg.value.draining !== this.nodeDraining) {
          this.nodeDraining = msg.value.draining;
          this.syncLoad();
          if (!this.nodeDraining) this.hooks.onSlotFree(this);
        }
        return undefined;
      case "delta": {
        const task = this.tasks.get(msg.value.taskId);
        if (!task) this.hooks.onRefused(this, "delta", msg.value.taskId);
        else task.listener?.onDelta(msg.value.text);
        return undefined;
      }
      case "result":
        this.finish(msg.value);
        return undefined;
      case "ack":
        if (!this.tasks.has(msg.value.taskId)) this.hooks.onRefused(this, "ack", msg.value.taskId);
        return undefined;
      case "register":
        return undefined; // a repeated Register is ignored: identity is fixed for the stream
      case "batch":
        for (const inner of msg.value.messages) {
          const kind = inner.msg?.$case;
          if (kind === "register" || kind === "batch") {
            return invalidArgument(
              `a NodeBatch may not hold a ${kind === "register" ? "Register" : "NodeBatch"}`,
            );
          }
          const error = this.receive(inner);
          if (error) return error;
        }
        return undefined;
      default:
        return undefined;
    }
  }

  /**
   * Ends the session: in-flight tasks are reported lost (so their jobs retry elsewhere) and the node
   * leaves the directory. `error` closes the stream with that status; otherwise it ends cleanly.
   */
  close(reason: string, error?: SwitchyardError): void {
    if (this.closed) return;
    this.closed = true;
    const lost = [...this.tasks.values()];
    this.tasks.clear();
    this.outbox.close();
    try {
      if (error) this.call.emit("error", error.toGrpc());
      else this.call.end();
    } catch (err) {
      this.logger.debug({ err }, "node stream already gone");
    }
    this.hooks.onClosed(this);
    for (const task of lost) task.listener?.onFailure({ kind: "lost", message: `node left: ${reason}` });
  }

  private finish(result: TaskResult): void {
    const task = this.tasks.get(result.taskId);
    if (!task) {
      this.hooks.onRefused(this, "result", result.taskId);
      return;
    }
    this.tasks.delete(result.taskId);
    this.syncLoad();
    const listener = task.listener;
    if (listener) {
      const outcome = result.outcome;
      if (outcome?.$case === "error") {
        listener.onFailure({ kind: "node-error", code: outcome.value.code, message: outcome.value.message });
      } else {
        listener.onResult(outcome?.$case === "output" ? outcome.value : "", result.usage);
      }
    }
    if (this.closeIfIdle()) return;
    this.hooks.onSlotFree(this);
  }

  private closeIfIdle(): boolean {
    if (this.closeWhenIdle && this.tasks.size === 0) {
      this.close("drained");
      return true;
    }
    return false;
  }

  private syncLoad(): void {
    this.directory.reportLoad(this.record.id, this.tasks.size, this.nodeDraining || this.routerDraining);
  }
}
