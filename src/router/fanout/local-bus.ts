import type { TaskAssign } from "../../gen/switchyard/v1/node.js";
import { LocalDirectoryEvents } from "../directory/local-events.js";
import type { TaskListener } from "../sessions/task-listener.js";
import { type Bus, DispatchRefused, type OfferHandler, type RemoteTask } from "./bus.js";
import type { AdminEvent, DirectoryEvent, Subscription } from "./events.js";

interface Served {
  handler: OfferHandler;
  onCancel: (taskId: string, reason: string) => void;
}

/**
 * The shared medium of an in-process cluster: several routers in one process, each with its own
 * LocalBus view onto one LocalBusHub. Delivery is asynchronous (next microtask), like a network.
 */
export class LocalBusHub {
  readonly nodes = new Map<string, Served>();
  readonly events = new LocalDirectoryEvents();
  readonly adminHandlers = new Set<(event: AdminEvent) => void>();

  /** A bus endpoint for one replica. */
  connect(replicaId: string): LocalBus {
    return new LocalBus(this, replicaId);
  }
}

/** The in-process Bus: the embedded back-end, same contract as the NATS one. */
export class LocalBus implements Bus {
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly hub: LocalBusHub,
    readonly replicaId: string,
  ) {}

  async serveNode(
    nodeId: string,
    handler: OfferHandler,
    onCancel: (taskId: string, reason: string) => void,
  ): Promise<Subscription> {
    const served: Served = { handler, onCancel };
    this.hub.nodes.set(nodeId, served);
    const sub = {
      unsubscribe: () => {
        if (this.hub.nodes.get(nodeId) === served) this.hub.nodes.delete(nodeId);
        this.subscriptions.delete(sub);
      },
    };
    this.subscriptions.add(sub);
    return sub;
  }

  async dispatch(nodeId: string, assign: TaskAssign, listener: TaskListener): Promise<RemoteTask> {
    await Promise.resolve();
    const served = this.hub.nodes.get(nodeId);
    if (!served) throw new DispatchRefused("gone");
    const later = (f: () => void) => queueMicrotask(f);
    const refusal = served.handler(assign, {
      delta: (text) => later(() => listener.onDelta(text)),
      result: (output, usage) => later(() => listener.onResult(output, usage)),
      failure: (failure) => later(() => listener.onFailure(failure)),
    });
    if (refusal) throw new DispatchRefused(refusal);
    return { cancel: (reason) => later(() => this.hub.nodes.get(nodeId)?.onCancel(assign.taskId, reason)) };
  }

  publish(event: DirectoryEvent): void {
    this.hub.events.publish(event);
  }

  subscribe(handler: (event: DirectoryEvent) => void): Subscription {
    const inner = this.hub.events.subscribe(handler);
    const sub = {
      unsubscribe: () => {
        inner.unsubscribe();
        this.subscriptions.delete(sub);
      },
    };
    this.subscriptions.add(sub);
    return sub;
  }

  publishAdmin(event: AdminEvent): void {
    for (const handler of [...this.hub.adminHandlers]) queueMicrotask(() => handler(structuredClone(event)));
  }

  subscribeAdmin(handler: (event: AdminEvent) => void): Subscription {
    this.hub.adminHandlers.add(handler);
    const sub = {
      unsubscribe: () => {
        this.hub.adminHandlers.delete(handler);
        this.subscriptions.delete(sub);
      },
    };
    this.subscriptions.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    for (const sub of [...this.subscriptions]) sub.unsubscribe();
  }
}
