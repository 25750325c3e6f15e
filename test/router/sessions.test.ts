import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import type { Register } from "../../src/gen/switchyard/v1/node.js";
import { Router } from "../../src/router/router.js";
import { RegistrationRefusedError } from "../../src/worker/node.js";
import { RawNode } from "../helpers/raw-node.js";
import { eventually, TestStack } from "../helpers/stack.js";

const BAD_REGISTRATIONS: Array<[string, Partial<Register>]> = [
  ["an empty name", { name: "" }],
  ["a 129-character name", { name: "n".repeat(129) }],
  ["no capabilities", { capabilities: [] }],
  ["65 capabilities", { capabilities: Array.from({ length: 65 }, (_, i) => `c${i}`) }],
  ["an empty capability", { capabilities: ["echo", ""] }],
  ["concurrency 0", { maxConcurrency: 0 }],
  ["concurrency 1025", { maxConcurrency: 1025 }],
  ["a splittable chat", { capabilities: ["chat"], splittable: ["chat"] }],
];

describe("node sessions over real gRPC", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  it.each(BAD_REGISTRATIONS)(
    "refuses a registration with %s: INVALID_ARGUMENT, stream closed",
    async (_what, fields) => {
      const router = await stack.router();
      const raw = new RawNode(router.address);
      stack.defer(() => raw.close());
      raw.register(fields);
      const end = await raw.ended;
      expect(end.code).toBe(status.INVALID_ARGUMENT);
      expect(raw.first("registered")).toBeUndefined();
      expect(router.directory.list()).toHaveLength(0);
    },
  );

  it("accepts the limits themselves: 128-character name, 64 capabilities, concurrency 1024", async () => {
    const router = await stack.router();
    const raw = new RawNode(router.address);
    stack.defer(() => raw.close());
    raw.register({
      name: "n".repeat(128),
      capabilities: Array.from({ length: 64 }, (_, i) => `c${i}`),
      maxConcurrency: 1024,
    });
    await eventually(() => raw.first("registered") !== undefined, 5_000, "registered");
    expect(router.directory.list()[0]?.maxConcurrency).toBe(1024);
  });

  it("refuses a stream whose first message is not Register", async () => {
    const router = await stack.router();
    const raw = new RawNode(router.address);
    stack.defer(() => raw.close());
    raw.send({ msg: { $case: "heartbeat", value: { inFlight: 0, utilization: 0, draining: false } } });
    expect((await raw.ended).code).toBe(status.INVALID_ARGUMENT);
  });

  it("makes Node.start() reject with RegistrationRefusedError when the router refuses", async () => {
    const router = await stack.router();
    const node = stack.node(router, {
      name: "x",
      capabilities: ["chat"],
      splittable: ["chat"],
      handlers: { chat: () => "" },
    });
    await expect(node).rejects.toBeInstanceOf(RegistrationRefusedError);
    await expect(node).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it("removes a node at once on a clean disconnect, and gives a reconnecting node the same id", async () => {
    const router = await stack.router();
    const first = await stack.node(router, { name: "same", handlers: { echo: (c) => c } });
    const id = first.nodeId;
    await first.stop();
    expect(router.directory.get(id)).toBeUndefined();
    const second = await stack.node(router, { name: "same", handlers: { echo: (c) => c } });
    expect(second.nodeId).toBe(id);
  });

  it("drops a node that stops sending heartbeats", async () => {
    const router = await stack.router({ heartbeatIntervalMs: 50 });
    const raw = new RawNode(router.address);
    stack.defer(() => raw.close());
    raw.register({ name: "mute" });
    await eventually(() => raw.first("registered") !== undefined, 5_000, "registered");
    expect((await raw.ended).code).toBe(status.UNAVAILABLE);
    expect(router.directory.list()).toHaveLength(0);
  });

  it("reconnects a worker by itself after the router restarts on the same address", async () => {
    const first = await Router.create({ port: 0, shutdownGraceMs: 100 });
    const port = first.port;
    let registrations = 0;
    const node = await stack.node([first.address], {
      name: "loyal",
      handlers: { echo: (c) => `loyal:${c}` },
    });
    node.on("registered", () => {
      registrations += 1;
    });
    await first.close();
    const second = await stack.router({ port });
    await eventually(() => registrations === 1, 10_000, "re-registration");
    const client = stack.client(second);
    await expect(client.submit({ capability: "echo", content: "back" })).resolves.toMatchObject({
      output: "loyal:back",
      nodeIds: [node.nodeId],
    });
  });

  it("reconnects to the next router in the list when the first is gone", async () => {
    const a = await Router.create({ port: 0, shutdownGraceMs: 100 });
    const b = await stack.router();
    const node = await stack.node([a.address, b.address], { name: "mover", handlers: { echo: (c) => c } });
    expect(a.directory.get(node.nodeId)).toBeDefined();
    await a.close();
    await eventually(() => b.directory.get(node.nodeId) !== undefined, 10_000, "node on router b");
  });
});
