import { setTimeout as sleep } from "node:timers/promises";
import { Server, ServerCredentials, type ServerDuplexStream } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import {
  type NodeMessage,
  NodeServiceService,
  type RouterMessage,
  type TaskAssign,
} from "../../src/gen/switchyard/v1/node.js";
import { ACK_AFTER_MS, Node } from "../../src/worker/node.js";

type NodeCall = ServerDuplexStream<NodeMessage, RouterMessage>;

/** A router played by the test over a real gRPC socket: it records what the node sends, in order. */
async function scriptedRouter() {
  const received: NodeMessage[] = [];
  let call: NodeCall | undefined;
  const waiters: Array<() => void> = [];
  const server = new Server();
  server.addService(NodeServiceService, {
    connect: (c: NodeCall) => {
      call = c;
      c.on("data", (m: NodeMessage) => {
        received.push(m);
        if (m.msg?.$case === "register") {
          c.write({
            msg: {
              $case: "registered",
              value: {
                nodeId: "n1",
                heartbeatIntervalMs: 60_000,
                configVersion: 0,
                routerId: "r1",
                acceptsBatches: false,
              },
            },
          });
        }
        for (const w of waiters.splice(0)) w();
      });
      c.on("end", () => c.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const assign = (taskId: string, capability: string): void => {
    const value: TaskAssign = {
      taskId,
      jobId: `job-${taskId}`,
      chunkIndex: 0,
      chunkCount: 1,
      capability,
      content: "hello",
      deadlineUnixMs: Date.now() + 10_000,
      model: "",
      messages: [],
      stream: false,
      language: "",
    };
    call?.write({ msg: { $case: "assign", value } });
  };
  /** What the node sent for one task, as message kinds in order. */
  const kindsFor = (taskId: string): string[] =>
    received
      .filter((m) => m.msg && "taskId" in m.msg.value && m.msg.value.taskId === taskId)
      .map((m) => m.msg?.$case ?? "");
  const resultOf = async (taskId: string): Promise<void> => {
    while (!kindsFor(taskId).includes("result")) await new Promise<void>((r) => waiters.push(r));
  };
  return {
    address: `127.0.0.1:${port}`,
    assign,
    kindsFor,
    resultOf,
    close: () => server.forceShutdown(),
  };
}

describe("a node acknowledges only the tasks that take a while", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function connectedNode() {
    const router = await scriptedRouter();
    cleanups.push(router.close);
    const node = new Node({
      name: "acks",
      routers: [router.address],
      handlers: {
        echo: (content) => content,
        slow: async (content) => {
          await sleep(ACK_AFTER_MS * 3);
          return content.toUpperCase();
        },
      },
    });
    await node.start();
    cleanups.push(() => node.stop());
    return router;
  }

  it("answers a quick task with its result alone, no Ack", async () => {
    const router = await connectedNode();
    router.assign("t-quick", "echo");
    await router.resultOf("t-quick");
    // Past the moment an Ack would have gone out: none came.
    await sleep(ACK_AFTER_MS * 2);
    expect(router.kindsFor("t-quick")).toEqual(["result"]);
  });

  it("acknowledges a task still running after ACK_AFTER_MS, before its result", async () => {
    const router = await connectedNode();
    router.assign("t-slow", "slow");
    await router.resultOf("t-slow");
    expect(router.kindsFor("t-slow")).toEqual(["ack", "result"]);
  });
});
