import {
  type ClientDuplexStream,
  credentials,
  Metadata,
  type ServiceError,
  type status,
} from "@grpc/grpc-js";
import {
  type NodeMessage,
  NodeServiceClient,
  type Register,
  type RouterMessage,
} from "../../src/gen/switchyard/v1/node.js";

/** A Register message: an `echo` node named "raw" of concurrency 1, with `fields` over that. */
export function registerMessage(fields: Partial<Register> = {}): NodeMessage {
  return {
    msg: {
      $case: "register",
      value: {
        name: "raw",
        capabilities: ["echo"],
        languages: [],
        models: [],
        maxConcurrency: 1,
        labels: {},
        sdkVersion: "raw-test",
        splittable: [],
        acceptsBatches: false,
        ...fields,
      },
    },
  };
}

/**
 * A node speaking the wire protocol by hand, for tests that need a node to misbehave: it sends exactly
 * what the test tells it and records what the router sends.
 */
export class RawNode {
  readonly received: RouterMessage[] = [];
  readonly ended: Promise<{ code: status; details: string }>;
  private readonly client: NodeServiceClient;
  private readonly call: ClientDuplexStream<NodeMessage, RouterMessage>;

  constructor(address: string, apiKey?: string) {
    this.client = new NodeServiceClient(address, credentials.createInsecure());
    const metadata = new Metadata();
    if (apiKey) metadata.set("authorization", `Bearer ${apiKey}`);
    this.call = this.client.connect(metadata);
    this.call.on("data", (m: RouterMessage) => this.received.push(m));
    this.ended = new Promise((resolve) => {
      this.call.on("status", (s: { code: status; details: string }) =>
        resolve({ code: s.code, details: s.details }),
      );
      this.call.on("error", (err: ServiceError) => resolve({ code: err.code, details: err.details }));
    });
  }

  send(message: NodeMessage): void {
    this.call.write(message);
  }

  register(fields: Partial<Register>): void {
    this.send(registerMessage(fields));
  }

  /** The first received message of a kind. */
  first<K extends NonNullable<RouterMessage["msg"]>["$case"]>(kind: K) {
    for (const m of this.received) {
      if (m.msg?.$case === kind)
        return m.msg.value as Extract<NonNullable<RouterMessage["msg"]>, { $case: K }>["value"];
    }
    return undefined;
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}
