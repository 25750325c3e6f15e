import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TaskContext, TaskHandler } from "../../src/worker/types.js";
import { clusterReplica, testPrefix } from "../helpers/cluster.js";
import { NatsServer, RedisServer, serviceAvailable } from "../helpers/services.js";
import { eventually, gate, TestStack } from "../helpers/stack.js";

const CLI = fileURLToPath(new URL("../../bin/switchyard.js", import.meta.url));
const enabled = serviceAvailable("nats-server") && serviceAvailable("redis-server");

/** About `size` characters of prose: sentences in paragraphs, with emoji and CJK mixed in. */
function document(size: number): string {
  const sentences = [
    "The router scores every node before it assigns work.",
    "Chunks travel over NATS to the replica that holds the node 🚂.",
    "合并结果时保持原来的顺序。",
    "Nothing is lost when a node fails!",
  ];
  let text = "";
  for (let i = 0; text.length < size; i++) {
    text += sentences[i % sentences.length];
    text += i % 5 === 4 ? "\n\n" : " ";
  }
  return text.slice(0, size);
}

describe.skipIf(!enabled)("cluster fan-out over real NATS and Redis", () => {
  let nats: NatsServer;
  let redis: RedisServer;
  const stack = new TestStack();

  beforeAll(async () => {
    nats = await NatsServer.start();
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await nats?.stop();
    await redis?.stop();
  });
  afterEach(() => stack.close());

  async function twoReplicas(extra: { maxChunks?: number } = {}) {
    const prefix = testPrefix();
    const a = await clusterReplica(stack, nats, redis, { prefix, id: "replica-a", ...extra });
    const b = await clusterReplica(stack, nats, redis, { prefix, id: "replica-b", ...extra });
    return { a, b };
  }

  it("serves a job submitted to replica A on a node connected only to replica B, plain and streamed", async () => {
    const { a, b } = await twoReplicas();
    const node = await stack.node(b, {
      name: "on-b",
      handlers: {
        echo: (c) => `b:${c}`,
        story: async function* () {
          yield "one ";
          yield "two ";
          yield "three";
        },
      },
    });
    await eventually(() => a.directory.get(node.nodeId) !== undefined, 5_000, "A sees the node");
    expect(a.session(node.nodeId)).toBeUndefined();
    const client = stack.client(a);
    await expect(client.submit({ capability: "echo", content: "hi" })).resolves.toMatchObject({
      output: "b:hi",
      nodeIds: [node.nodeId],
    });
    const events = [];
    for await (const e of client.submitStream({ capability: "story", content: "" })) events.push(e);
    expect(events.filter((e) => e.type === "delta").map((e) => (e.type === "delta" ? e.text : ""))).toEqual([
      "one ",
      "two ",
      "three",
    ]);
    expect(events.at(-1)).toMatchObject({ type: "result", result: { output: "one two three" } });
  });

  it("stops the handler on B when the client cancels on A", async () => {
    const { a, b } = await twoReplicas();
    let seen: TaskContext | undefined;
    const node = await stack.node(b, {
      name: "slow-b",
      handlers: {
        echo: (_c, _p, ctx) => {
          seen = ctx;
          return new Promise<string>((_r, reject) =>
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
          );
        },
      },
    });
    await eventually(() => a.directory.get(node.nodeId) !== undefined, 5_000, "A sees the node");
    const controller = new AbortController();
    const job = stack.client(a).submit({ capability: "echo", content: "x" }, { signal: controller.signal });
    await eventually(() => seen !== undefined, 5_000, "B's node working");
    controller.abort();
    await expect(job).rejects.toMatchObject({ code: "cancelled" });
    await eventually(() => seen?.signal.aborted === true, 5_000, "handler on B aborted");
    await eventually(() => b.session(node.nodeId)?.inFlight === 0, 5_000, "slot on B freed");
  });

  it("splits a 10,000-character document over three nodes, one node per chunk, and merges in order", async () => {
    const { a, b } = await twoReplicas({ maxChunks: 3 });
    const received: string[] = [];
    const upper: TaskHandler = (c) => {
      received.push(c);
      return c.toUpperCase();
    };
    const nodes = [
      await stack.node(a, { name: "u1", splittable: ["upper"], handlers: { upper } }),
      await stack.node(b, { name: "u2", splittable: ["upper"], handlers: { upper } }),
      await stack.node(b, { name: "u3", splittable: ["upper"], handlers: { upper } }),
    ];
    await eventually(() => nodes.every((n) => a.directory.get(n.nodeId)), 5_000, "A sees all three");
    const content = document(10_000);
    const result = await stack.client(a).submit({ capability: "upper", content });
    expect(result.chunks).toBe(3);
    expect(new Set(result.nodeIds).size).toBe(3);
    expect(result.output).toBe(content.toUpperCase());
    expect(received).toHaveLength(3);
    expect(received.every((chunk) => chunk.length > 0 && content.includes(chunk))).toBe(true);
  });

  it("streams a split job's chunks in order, separators included", async () => {
    const { a, b } = await twoReplicas();
    const release = gate();
    const upper: TaskHandler = async function* (c, _p, ctx) {
      // The first chunk finishes last: later chunks must wait for it.
      if (ctx.chunkIndex === 0) await release.promise;
      yield c.toUpperCase();
    };
    for (const [i, router] of [a, b, b, a].entries()) {
      await stack.node(router, { name: `s${i}`, splittable: ["upper"], handlers: { upper } });
    }
    await eventually(() => a.directory.withCapability("upper").length === 4, 5_000, "four nodes");
    const content = document(4_000);
    const events: string[] = [];
    const stream = stack.client(a).submitStream({ capability: "upper", content });
    const done = (async () => {
      for await (const e of stream) events.push(e.type === "delta" ? e.text : `[${e.result.chunks}]`);
    })();
    await eventually(() => a.activeJobs === 1, 5_000, "job running");
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual([]);
    release.open();
    await done;
    expect(events.at(-1)).toBe("[4]");
    expect(events.slice(0, -1).join("")).toBe(content.toUpperCase());
  });

  it("re-runs only the chunk of a node killed mid-chunk, on another node", async () => {
    const { a, b } = await twoReplicas({ maxChunks: 3 });
    let survivorsRan = 0;
    const upper: TaskHandler = (c) => {
      survivorsRan += 1;
      return c.toUpperCase();
    };
    const survivors = [
      await stack.node(a, { name: "k1", splittable: ["upper"], handlers: { upper } }),
      await stack.node(b, { name: "k2", splittable: ["upper"], handlers: { upper } }),
    ];
    const child = spawn(
      process.execPath,
      [
        CLI,
        "worker",
        "--router",
        b.address,
        "--capability",
        "upper",
        "--name",
        "victim",
        "--delay-ms",
        "60000",
      ],
      { stdio: "ignore", env: { ...process.env, LOG_LEVEL: "silent" } },
    );
    stack.defer(() => child.kill("SIGKILL"));
    await eventually(() => a.directory.list().some((n) => n.name === "victim"), 20_000, "victim registered");
    const victim = a.directory.list().find((n) => n.name === "victim");
    const content = document(6_000);
    const job = stack.client(a).submit({ capability: "upper", content });
    await eventually(() => b.session(victim?.id ?? "")?.inFlight === 1, 10_000, "victim working");
    await eventually(() => survivorsRan === 2, 10_000, "the other two chunks done");
    child.kill("SIGKILL");
    const result = await job;
    expect(result.output).toBe(content.toUpperCase());
    expect(survivorsRan).toBe(3);
    expect(result.nodeIds).not.toContain(victim?.id);
    expect(new Set(result.nodeIds)).toEqual(new Set(survivors.map((s) => s.nodeId)));
  });
});
