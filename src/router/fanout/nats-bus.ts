import { connect, type Msg, type NatsConnection, type Subscription as NatsSubscription } from "nats";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import type { Usage } from "../../gen/switchyard/v1/common.js";
import type { TaskAssign } from "../../gen/switchyard/v1/node.js";
import type { TaskFailureInfo, TaskListener } from "../sessions/task-listener.js";
import { type Bus, DispatchRefused, type OfferHandler, type RefusalReason, type RemoteTask } from "./bus.js";
import type { AdminEvent, DirectoryEvent, Subscription } from "./events.js";

export interface NatsBusOptions {
  /** NATS server URL(s), e.g. "nats://127.0.0.1:4222". */
  url: string;
  replicaId: string;
  /** Subject prefix. Default "sy". */
  prefix?: string;
  /** How long an offer waits for the owner's answer. Default 2 000 ms. */
  offerTimeoutMs?: number;
  /** Replica heartbeat interval; a replica silent for three intervals is taken for dead. Default 1 000 ms. */
  heartbeatIntervalMs?: number;
  logger?: Logger;
}

/** What the owner sends back about a remote task. */
type TaskEventWire =
  | { t: "d"; x: string }
  | { t: "r"; o: string; u?: Usage }
  | { t: "f"; f: TaskFailureInfo };

interface Offer {
  assign: TaskAssign;
  replyTo: string;
}

type OfferAnswer = { ok: true; replica: string } | { ok: false; reason: RefusalReason };

interface PendingTask {
  listener: TaskListener;
  owner: string | undefined;
  nodeId: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
const decode = <T>(data: Uint8Array): T => JSON.parse(decoder.decode(data)) as T;

/** A subject token made safe from a free-form id (replica ids may hold dots or spaces). */
function token(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, "_");
}

/**
 * The NATS fan-out bus. Subjects under the prefix: `node.<nodeId>.task` (offers, request/reply, served
 * by the replica holding the node), `node.<nodeId>.cancel`, `reply.<replica>.<taskId>` (deltas and the
 * end of a remote task, one wildcard subscription per replica), `replica.heartbeat` (liveness, so the
 * tasks of a dead replica fail over), `directory.events`. NATS gives no back-pressure: the owner
 * refuses offers beyond a node's concurrency.
 */
export class NatsBus implements Bus {
  readonly replicaId: string;
  private readonly prefix: string;
  private readonly offerTimeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly logger: Logger;
  private readonly tasks = new Map<string, PendingTask>();
  private readonly lastSeen = new Map<string, number>();
  private readonly subs = new Set<NatsSubscription>();
  private heartbeat: NodeJS.Timeout | undefined;
  private connected = true;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    options: NatsBusOptions,
  ) {
    this.replicaId = options.replicaId;
    this.prefix = options.prefix ?? "sy";
    this.offerTimeoutMs = options.offerTimeoutMs ?? 2_000;
    this.heartbeatMs = options.heartbeatIntervalMs ?? 1_000;
    this.logger = (options.logger ?? silentLogger()).child({ bus: "nats" });
  }

  /** Connects to NATS (reconnecting forever after that) and starts the replica's subscriptions. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const nc = await connect({
      servers: options.url.split(",").map((s) => s.trim()),
      name: `switchyard-router-${options.replicaId}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 10_000,
    });
    const bus = new NatsBus(nc, options);
    bus.start();
    return bus;
  }

  private subject(...parts: string[]): string {
    return [this.prefix, ...parts].join(".");
  }

  private start(): void {
    const replyPrefix = `${this.subject("reply", token(this.replicaId))}.`;
    this.listen(`${replyPrefix}>`, (msg) =>
      this.onTaskEvent(msg.subject.slice(replyPrefix.length), decode(msg.data)),
    );
    this.listen(this.subject("replica", "heartbeat"), (msg) => {
      const { id } = decode<{ id: string }>(msg.data);
      this.lastSeen.set(id, Date.now());
    });
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
    this.beat();
    void this.watchStatus();
  }

  private listen(subject: string, onMessage: (msg: Msg) => void): NatsSubscription {
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          this.logger.warn({ err, subject }, "subscription error");
          return;
        }
        try {
          onMessage(msg);
        } catch (error) {
          this.logger.warn({ err: error, subject }, "dropped a malformed bus message");
        }
      },
    });
    this.subs.add(sub);
    return sub;
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === "disconnect") {
        this.connected = false;
        this.logger.warn("disconnected from NATS; reconnecting");
      } else if (status.type === "reconnect") {
        this.connected = true;
        const now = Date.now();
        for (const id of this.lastSeen.keys()) this.lastSeen.set(id, now);
        this.logger.info("reconnected to NATS");
      }
    }
  }

  private beat(): void {
    if (this.closed) return;
    this.publishRaw(this.subject("replica", "heartbeat"), { id: this.replicaId });
    if (!this.connected) return;
    const cutoff = Date.now() - 3 * this.heartbeatMs;
    for (const [taskId, task] of this.tasks) {
      if (task.owner === undefined || task.owner === this.replicaId) continue;
      if ((this.lastSeen.get(task.owner) ?? 0) < cutoff) {
        this.tasks.delete(taskId);
        task.listener.onFailure({ kind: "lost", message: `replica ${task.owner} stopped answering` });
      }
    }
  }

  private publishRaw(subject: string, value: unknown): void {
    try {
      this.nc.publish(subject, encode(value));
    } catch (err) {
      this.logger.warn({ err, subject }, "publish failed");
    }
  }

  async serveNode(
    nodeId: string,
    handler: OfferHandler,
    onCancel: (taskId: string, reason: string) => void,
  ): Promise<Subscription> {
    const offers = this.listen(this.subject("node", nodeId, "task"), (msg) => {
      const offer = decode<Offer>(msg.data);
      const refusal = handler(offer.assign, {
        delta: (x) => this.publishRaw(offer.replyTo, { t: "d", x } satisfies TaskEventWire),
        result: (o, u) =>
          this.publishRaw(offer.replyTo, (u ? { t: "r", o, u } : { t: "r", o }) satisfies TaskEventWire),
        failure: (f) => this.publishRaw(offer.replyTo, { t: "f", f } satisfies TaskEventWire),
      });
      const answer: OfferAnswer = refusal
        ? { ok: false, reason: refusal }
        : { ok: true, replica: this.replicaId };
      msg.respond(encode(answer));
    });
    const cancels = this.listen(this.subject("node", nodeId, "cancel"), (msg) => {
      const { taskId, reason } = decode<{ taskId: string; reason: string }>(msg.data);
      onCancel(taskId, reason);
    });
    // Make sure the server knows the subscriptions before other replicas route to this node.
    await this.nc.flush().catch(() => {});
    return {
      unsubscribe: () => {
        for (const sub of [offers, cancels]) {
          sub.unsubscribe();
          this.subs.delete(sub);
        }
      },
    };
  }

  async dispatch(nodeId: string, assign: TaskAssign, listener: TaskListener): Promise<RemoteTask> {
    const taskId = assign.taskId;
    const task: PendingTask = { listener, owner: undefined, nodeId };
    this.tasks.set(taskId, task);
    const replyTo = `${this.subject("reply", token(this.replicaId))}.${taskId}`;
    let answer: OfferAnswer;
    try {
      const msg = await this.nc.request(
        this.subject("node", nodeId, "task"),
        encode({ assign, replyTo } satisfies Offer),
        {
          timeout: this.offerTimeoutMs,
        },
      );
      answer = decode<OfferAnswer>(msg.data);
    } catch (err) {
      this.tasks.delete(taskId);
      const code = (err as { code?: string }).code;
      if (code === "503") throw new DispatchRefused("gone");
      // The owner may have taken the task and its answer got lost: tell it to stop.
      this.cancelRemote(nodeId, taskId, "the offer timed out");
      throw new DispatchRefused("unreachable");
    }
    if (!answer.ok) {
      this.tasks.delete(taskId);
      throw new DispatchRefused(answer.reason);
    }
    if (this.tasks.get(taskId) === task) task.owner = answer.replica;
    return { cancel: (reason) => this.cancelRemote(nodeId, taskId, reason) };
  }

  private cancelRemote(nodeId: string, taskId: string, reason: string): void {
    this.tasks.delete(taskId);
    this.publishRaw(this.subject("node", nodeId, "cancel"), { taskId, reason });
  }

  private onTaskEvent(taskId: string, event: TaskEventWire): void {
    const task = this.tasks.get(taskId);
    if (!task) return;
    switch (event.t) {
      case "d":
        task.listener.onDelta(event.x);
        break;
      case "r":
        this.tasks.delete(taskId);
        task.listener.onResult(event.o, event.u);
        break;
      case "f":
        this.tasks.delete(taskId);
        task.listener.onFailure(event.f);
        break;
    }
  }

  publish(event: DirectoryEvent): void {
    this.publishRaw(this.subject("directory", "events"), event);
  }

  subscribe(handler: (event: DirectoryEvent) => void): Subscription {
    const sub = this.listen(this.subject("directory", "events"), (msg) =>
      handler(decode<DirectoryEvent>(msg.data)),
    );
    return {
      unsubscribe: () => {
        sub.unsubscribe();
        this.subs.delete(sub);
      },
    };
  }

  publishAdmin(event: AdminEvent): void {
    this.publishRaw(this.subject("admin", "events"), event);
  }

  subscribeAdmin(handler: (event: AdminEvent) => void): Subscription {
    const sub = this.listen(this.subject("admin", "events"), (msg) => handler(decode<AdminEvent>(msg.data)));
    return {
      unsubscribe: () => {
        sub.unsubscribe();
        this.subs.delete(sub);
      },
    };
  }

  /** Fails the remote tasks still waiting, then drains and closes the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const [taskId, task] of this.tasks) {
      this.tasks.delete(taskId);
      task.listener.onFailure({ kind: "lost", message: "the router is closing" });
    }
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close().catch(() => {});
    }
  }
}
