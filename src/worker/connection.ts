import { type ClientDuplexStream, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import type { Logger } from "../core/logger.js";
import { Outbox } from "../core/outbox.js";
import { NODE_BATCHING } from "../core/stream-batching.js";
import {
  type NodeMessage,
  NodeServiceClient,
  type Register,
  type Registered,
  type RouterMessage,
  type TaskAssign,
} from "../gen/switchyard/v1/node.js";

/** How a connection ended. */
export interface ConnectionEnd {
  /** True when the router accepted the registration on this connection. */
  registered: boolean;
  /** The gRPC status the stream ended with. */
  code: status;
  details: string;
}

export interface ConnectionHooks {
  onRegistered(registered: Registered): void;
  onAssign(assign: TaskAssign): void;
  onCancel(taskId: string, reason: string): void;
  onDrain(reason: string): void;
  onHeartbeatInterval(ms: number): void;
}

const CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 20_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
  "grpc.initial_reconnect_backoff_ms": 200,
  "grpc.max_reconnect_backoff_ms": 2_000,
  // The node stream is never retried by the channel (the node reconnects and re-registers itself).
  // Without a retry buffer every write completes when HTTP/2 has taken it, so the outbox's
  // back-pressure is real: with one, grpc-js completes writes at once, keeps up to a megabyte of
  // messages per stream and copies that backlog on every write it sends.
  "grpc.enable_retries": 0,
  "grpc.per_rpc_retry_buffer_size": 0,
};

/**
 * One NodeService.Connect stream to one router: sends Register, dispatches what the router sends,
 * writes with back-pressure, and resolves `ended` once the stream is over, whichever side ended it.
 */
export class Connection {
  readonly ended: Promise<ConnectionEnd>;
  private readonly client: NodeServiceClient;
  private readonly call: ClientDuplexStream<NodeMessage, RouterMessage>;
  private readonly outbox: Outbox<NodeMessage>;
  private registered = false;
  private over = false;

  constructor(
    address: string,
    register: Register,
    apiKey: string | undefined,
    hooks: ConnectionHooks,
    logger: Logger,
  ) {
    this.client = new NodeServiceClient(address, credentials.createInsecure(), CHANNEL_OPTIONS);
    const metadata = new Metadata();
    if (apiKey) metadata.set("authorization", `Bearer ${apiKey}`);
    this.call = this.client.connect(metadata);
    this.outbox = new Outbox<NodeMessage>(this.call);
    this.ended = new Promise<ConnectionEnd>((resolve) => {
      const finish = (code: status, details: string): void => {
        if (this.over) return;
        this.over = true;
        this.outbox.close();
        this.client.close();
        resolve({ registered: this.registered, code, details });
      };
      const dispatch = (message: RouterMessage, inBatch: boolean): void => {
        const msg = message.msg;
        switch (msg?.$case) {
          case "registered":
            if (inBatch) {
              logger.debug("ignored a Registered inside a RouterBatch");
              break;
            }
            this.registered = true;
            // A router that handles NodeBatch gets the messages of one turn as one.
            if (msg.value.acceptsBatches) this.outbox.batchWith(NODE_BATCHING);
            hooks.onRegistered(msg.value);
            break;
          case "batch":
            if (inBatch) logger.debug("ignored a RouterBatch inside a RouterBatch");
            else for (const inner of msg.value.messages) dispatch(inner, true);
            break;
          case "assign":
            hooks.onAssign(msg.value);
            break;
          case "cancel":
            hooks.onCancel(msg.value.taskId, msg.value.reason);
            break;
          case "drain":
            hooks.onDrain(msg.value.reason);
            break;
          case "config":
            if (msg.value.heartbeatIntervalMs > 0) hooks.onHeartbeatInterval(msg.value.heartbeatIntervalMs);
            break;
          default:
            logger.debug("ignored an unknown router message");
        }
      };
      this.call.on("data", (message: RouterMessage) => dispatch(message, false));
      this.call.on("status", (s: { code: status; details: string }) => finish(s.code, s.details));
      this.call.on("error", (err: ServiceError) =>
        finish(err.code ?? status.UNKNOWN, err.details ?? err.message),
      );
    });
    this.send({ msg: { $case: "register", value: register } });
  }

  get isOver(): boolean {
    return this.over;
  }

  send(message: NodeMessage): void {
    if (!this.over) this.outbox.send(message);
  }

  flushed(): Promise<void> {
    return this.outbox.flushed();
  }

  /** Half-closes the stream once pending writes are out; the router then ends it. */
  async finish(): Promise<void> {
    this.outbox.writeNow();
    await this.outbox.flushed();
    if (!this.over) this.call.end();
  }

  /** Cuts the stream at once. */
  cancel(): void {
    if (!this.over) this.call.cancel();
  }
}
