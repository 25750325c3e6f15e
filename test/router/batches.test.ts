import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/core/errors.js";
import type { NodeMessage, RouterMessage, TaskAssign } from "../../src/gen/switchyard/v1/node.js";
import { RawNode, registerMessage } from "../helpers/raw-node.js";
import { eventually, TestStack } from "../helpers/stack.js";

/** Every TaskAssign a node received, whether alone or inside a RouterBatch, in order. */
function assignsOf(received: RouterMessage[]): TaskAssign[] {
  return received.flatMap((m) => {
    if (m.msg?.$case === "assign") return [m.msg.value];
    if (m.msg?.$case === "batch") return assignsOf(m.msg.value.messages);
    return [];
  });
}

const result = (taskId: string, output: string): NodeMessage => ({
  msg: { $case: "result", value: { taskId, outcome: { $case: "output", value: output } } },
});

describe("batched messages on the node stream, over real gRPC", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  async function rawNode(acceptsBatches: boolean, name: string) {
    const router = await stack.router();
    const raw = new RawNode(router.address);
    stack.defer(() => raw.close());
    raw.register({ name, maxConcurrency: 64, acceptsBatches });
    await eventually(() => raw.first("registered") !== undefined, 5_000, `${name} registered`);
    return { router, raw, client: stack.client(router) };
  }

  it("tells a node that the router takes NodeBatch, and sends a node that takes RouterBatch a burst of work as batches", async () => {
    const { raw, client } = await rawNode(true, "batching");
    expect(raw.first("registered")?.acceptsBatches).toBe(true);
    const jobs = Array.from({ length: 40 }, (_, i) =>
      client.submit({ capability: "echo", content: `c${i}` }),
    );
    await eventually(() => assignsOf(raw.received).length === 40, 5_000, "every task assigned");
    expect(raw.received.some((m) => m.msg?.$case === "batch")).toBe(true);
    // One NodeBatch answers them all, in any order: each result is handled as if sent alone.
    const tasks = assignsOf(raw.received);
    raw.send({
      msg: {
        $case: "batch",
        value: { messages: tasks.reverse().map((t) => result(t.taskId, t.content.toUpperCase())) },
      },
    });
    const outputs = (await Promise.all(jobs)).map((r) => r.output);
    expect(outputs).toEqual(Array.from({ length: 40 }, (_, i) => `C${i}`));
  });

  it("never sends a batch to a node that did not say it takes them", async () => {
    const { raw, client } = await rawNode(false, "plain");
    const jobs = Array.from({ length: 40 }, (_, i) =>
      client.submit({ capability: "echo", content: `c${i}` }),
    );
    await eventually(() => assignsOf(raw.received).length === 40, 5_000, "every task assigned");
    expect(raw.received.filter((m) => m.msg?.$case === "batch")).toEqual([]);
    for (const t of assignsOf(raw.received)) raw.send(result(t.taskId, t.content));
    expect((await Promise.all(jobs)).length).toBe(40);
  });

  it("closes the stream of a node whose NodeBatch holds a Register; its task fails over, here to no one", async () => {
    const { router, raw, client } = await rawNode(true, "rogue-batch");
    const outcome = client.submit({ capability: "echo", content: "x" }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await eventually(() => assignsOf(raw.received).length === 1, 5_000, "task assigned");
    raw.send({
      msg: {
        $case: "batch",
        value: {
          messages: [
            { msg: { $case: "heartbeat", value: { inFlight: 1, utilization: 0.5, draining: false } } },
            registerMessage({ name: "again", acceptsBatches: true }),
          ],
        },
      },
    });
    const ended = await raw.ended;
    expect(ended.code).toBe(status.INVALID_ARGUMENT);
    expect(ended.details).toMatch(/NodeBatch may not hold a Register/);
    // The job lost its only node; with none left it fails rather than hanging.
    expect(await outcome).toMatchObject({ code: ErrorCode.UpstreamFailed });
    expect(router.directory.list()).toEqual([]);
  });
});
