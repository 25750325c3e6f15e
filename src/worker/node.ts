import { EventEmitter } from "node:events";
import { status } from "@grpc/grpc-js";
import type { Logger } from "../core/logger.js";
import type { Register, TaskAssign } from "../gen/switchyard/v1/node.js";
import { TaskErrorCode } from "../gen/switchyard/v1/node.js";
import { backoffDelay } from "./backoff.js";
import { Connection, type ConnectionEnd } from "./connection.js";
import { compileNodeOptions, type NodeOptions, type NodeSettings } from "./options.js";
import { failureResult, runTask, type TaskOutput } from "./task-runner.js";
import type { TaskHandler } from "./types.js";

export const SDK_VERSION = "switchyard-node/0.1.0";

/**
 * A task that has sent no delta and no result this long after it started is acknowledged (an Ack); one
 * that answers sooner is not, its answer saying as much.
 */
export const ACK_AFTER_MS = 100;

/** How long stop() waits for aborted handlers that ignore their signal. */
const ABANDON_AFTER_MS = 1_000;

export type NodeState = "new" | "connecting" | "registered" | "stopping" | "stopped";

/** Statuses after which reconnecting cannot help: the registration itself is refused. */
const PERMANENT = new Set<status>([
  status.INVALID_ARGUMENT,
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
]);

interface RunningTask {
  controller: AbortController;
  done: Promise<void>;
  connection: Connection;
}

/** Thrown by start() when the router refuses the registration, so retrying cannot help. */
export class RegistrationRefusedError extends Error {
  override readonly name = "RegistrationRefusedError";
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

export interface NodeEvents {
  /** The router accepted the registration (first time, and after every reconnect). */
  registered: [nodeId: string, routerId: string];
  /** The stream to a router ended; the node reconnects unless stopping. */
  disconnected: [end: ConnectionEnd];
}

/**
 * A worker node: registers its capabilities with a router over one bidirectional gRPC stream, runs
 * the tasks it is given with the registered handlers, reports load in heartbeats, and reconnects with
 * exponential back-off and jitter (to the next router in its list) whenever the stream drops, under the
 * same identity. A throwing handler fails its task, never the node.
 *
 *     const node = await Node.connect({ name: "n1", routers: "127.0.0.1:50051", handlers: { echo: (c) => c } });
 *     ...
 *     await node.stop(); // finishes running tasks first
 */
export class Node extends EventEmitter<NodeEvents> {
  private readonly settings: NodeSettings;
  private readonly handlers = new Map<string, TaskHandler>();
  private readonly tasks = new Map<string, RunningTask>();
  private readonly logger: Logger;
  private current: NodeState = "new";
  private connection: Connection | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private heartbeatIntervalMs = 5_000;
  private id = "";
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly wake = new AbortController();
  private started: { resolve: () => void; reject: (err: Error) => void } | undefined;

  constructor(options: NodeOptions) {
    super();
    this.settings = compileNodeOptions(options);
    this.logger = this.settings.logger.child({ node: this.settings.name });
    for (const [capability, handler] of Object.entries(options.handlers ?? {}))
      this.handle(capability, handler);
  }

  /** Creates a node and starts it; resolves once a router accepted its registration. */
  static async connect(options: NodeOptions): Promise<Node> {
    const node = new Node(options);
    await node.start();
    return node;
  }

  /** Registers the handler of a capability. Only before start(). */
  handle(capability: string, handler: TaskHandler): this {
    if (this.current !== "new") throw new Error("handlers must be registered before start()");
    this.handlers.set(capability, handler);
    return this;
  }

  get state(): NodeState {
    return this.current;
  }

  /** The id the router gave this node ("" before the first registration). */
  get nodeId(): string {
    return this.id;
  }

  /** Tasks running now. */
  get inFlight(): number {
    return this.tasks.size;
  }

  /**
   * Connects and registers. Resolves on the first accepted registration; keeps retrying while routers
   * are unreachable; rejects with RegistrationRefusedError when the router refuses the registration.
   */
  start(): Promise<void> {
    if (this.current !== "new") throw new Error(`start() called in state ${this.current}`);
    const capabilities = this.settings.capabilities ?? [...this.handlers.keys()];
    const missing = capabilities.filter((c) => !this.handlers.has(c));
    if (missing.length > 0) throw new Error(`no handler for capabilities: ${missing.join(", ")}`);
    this.current = "connecting";
    const done = new Promise<void>((resolve, reject) => {
      this.started = { resolve, reject };
    });
    this.loop = this.run(capabilities);
    return done;
  }

  /**
   * Stops gracefully: tells the router it is draining, lets running tasks finish (aborting them after
   * drainTimeoutMs), then closes the stream. No reconnect follows. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const wasNew = this.current === "new";
    this.current = "stopping";
    this.started?.reject(new Error("the node was stopped before it registered"));
    this.sendHeartbeat();
    if (this.tasks.size > 0) {
      // Running tasks get drainTimeoutMs to finish, then are aborted; a handler that ignores its
      // signal is given up on after ABANDON_AFTER_MS more, so stop() always ends.
      const all = Promise.all([...this.tasks.values()].map((t) => t.done));
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          for (const task of this.tasks.values()) task.controller.abort(new Error("the node is stopping"));
          timer = setTimeout(resolve, ABANDON_AFTER_MS);
        }, this.settings.drainTimeoutMs);
      });
      await Promise.race([all, expired]);
      clearTimeout(timer);
    }
    clearInterval(this.heartbeat);
    const connection = this.connection;
    if (connection && !connection.isOver) {
      await connection.finish();
      const cut = setTimeout(() => connection.cancel(), 2_000);
      await connection.ended;
      clearTimeout(cut);
    }
    this.wake.abort();
    if (!wasNew) await this.loop;
    this.current = "stopped";
  }

  private isStopping(): boolean {
    return this.current === "stopping" || this.current === "stopped";
  }

  private registerMessage(capabilities: string[]): Register {
    const s = this.settings;
    return {
      name: s.name,
      capabilities,
      languages: s.languages,
      models: s.models,
      maxConcurrency: s.concurrency,
      labels: s.labels,
      sdkVersion: SDK_VERSION,
      splittable: s.splittable,
      acceptsBatches: true,
    };
  }

  private async run(capabilities: string[]): Promise<void> {
    const register = this.registerMessage(capabilities);
    let attempt = 0;
    let index = 0;
    while (!this.isStopping()) {
      const address = this.settings.routers[index % this.settings.routers.length] as string;
      const connection = new Connection(
        address,
        register,
        this.settings.apiKey,
        {
          onRegistered: (reg) => {
            this.id = reg.nodeId;
            this.heartbeatIntervalMs = reg.heartbeatIntervalMs || this.heartbeatIntervalMs;
            this.startHeartbeats();
            if (this.current === "connecting") this.current = "registered";
            this.logger.info({ nodeId: reg.nodeId, router: address }, "registered");
            this.started?.resolve();
            this.started = undefined;
            this.emit("registered", reg.nodeId, reg.routerId);
          },
          onAssign: (assign) => this.accept(assign, connection),
          onCancel: (taskId, reason) =>
            this.tasks.get(taskId)?.controller.abort(new Error(`cancelled: ${reason}`)),
          onDrain: (reason) => this.logger.info({ reason }, "router is draining this node"),
          onHeartbeatInterval: (ms) => {
            this.heartbeatIntervalMs = ms;
            this.startHeartbeats();
          },
        },
        this.logger,
      );
      this.connection = connection;
      const end = await connection.ended;
      clearInterval(this.heartbeat);
      this.abortTasksOf(connection, "the connection to the router was lost");
      this.emit("disconnected", end);
      if (this.isStopping()) return;
      if (!end.registered && PERMANENT.has(end.code)) {
        this.logger.error({ code: end.code, details: end.details }, "registration refused");
        this.started?.reject(new RegistrationRefusedError(end.code, end.details));
        this.started = undefined;
        this.current = "stopping";
        this.stop().catch(() => {});
        return;
      }
      if (this.current === "registered") this.current = "connecting";
      if (end.registered) attempt = 0;
      index += 1;
      const delay = backoffDelay(attempt, this.settings.reconnect);
      attempt += 1;
      this.logger.info(
        { code: end.code, details: end.details, delayMs: delay },
        "disconnected; reconnecting",
      );
      await sleep(delay, this.wake.signal);
    }
  }

  private accept(assign: TaskAssign, connection: Connection): void {
    const send = (code: TaskErrorCode, message: string): void =>
      connection.send({
        msg: {
          $case: "result",
          value: { taskId: assign.taskId, outcome: { $case: "error", value: { code, message } } },
        },
      });
    if (this.tasks.has(assign.taskId)) return;
    const handler = this.handlers.get(assign.capability);
    if (!handler) {
      send(TaskErrorCode.TASK_ERROR_CODE_UNSUPPORTED, `no handler for "${assign.capability}"`);
      return;
    }
    if (this.isStopping() || this.tasks.size >= this.settings.concurrency) {
      send(TaskErrorCode.TASK_ERROR_CODE_OVERLOADED, "the node is at its concurrency limit or stopping");
      return;
    }
    // The task's first delta or its result tells the router it started; the Ack goes out only for a
    // task that has sent neither within ACK_AFTER_MS, so a quick task costs one message fewer.
    let answered = false;
    const out: TaskOutput = {
      send: (message) => {
        answered = true;
        connection.send(message);
      },
      flushed: () => connection.flushed(),
    };
    const ack = setTimeout(() => {
      if (!answered) connection.send({ msg: { $case: "ack", value: { taskId: assign.taskId } } });
    }, ACK_AFTER_MS);
    const controller = new AbortController();
    const untilDeadline = assign.deadlineUnixMs - Date.now();
    const deadline =
      assign.deadlineUnixMs > 0
        ? setTimeout(
            () => controller.abort(new Error("the task's deadline passed")),
            Math.max(0, untilDeadline),
          )
        : undefined;
    const logger = this.logger.child({ taskId: assign.taskId, jobId: assign.jobId });
    const done = runTask(assign, handler, controller.signal, out, logger)
      .catch((err: unknown) => {
        connection.send({
          msg: { $case: "result", value: failureResult(assign.taskId, err, controller.signal) },
        });
      })
      .finally(() => {
        clearTimeout(ack);
        clearTimeout(deadline);
        this.tasks.delete(assign.taskId);
      });
    this.tasks.set(assign.taskId, { controller, done, connection });
  }

  private abortTasksOf(connection: Connection, reason: string): void {
    for (const task of this.tasks.values()) {
      if (task.connection === connection) task.controller.abort(new Error(reason));
    }
  }

  private startHeartbeats(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.sendHeartbeat(), this.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  private sendHeartbeat(): void {
    const inFlight = this.tasks.size;
    this.connection?.send({
      msg: {
        $case: "heartbeat",
        value: {
          inFlight,
          utilization: inFlight / this.settings.concurrency,
          draining: this.current === "stopping",
        },
      },
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
