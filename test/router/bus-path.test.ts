import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/core/errors.js";
import type { Bus } from "../../src/router/fanout/bus.js";
import { LocalBusHub } from "../../src/router/fanout/local-bus.js";
import { NatsBus } from "../../src/router/fanout/nats-bus.js";
import type { TaskContext, TaskHandler } from "../../src/worker/types.js";
import { testPrefix } from "../helpers/cluster.js";
import { NatsServer, serviceAvailable } from "../helpers/services.js";
import { eventually, TestStack } from "../helpers/stack.js";

const natsAvailable = serviceAvailable("nats-server");

/**
 * The same behaviour through each bus, with the local shortcut off so that even the router's own
 * nodes are reached over the bus.
 */
function busPathSuite(name: string, makeBus: (replicaId: string) => Promise<Bus>, skip = false) {
  describe.skipIf(skip)(`tasks through the ${name} bus`, () => {
    const stack = new TestStack();
    afterEach(() => stack.close());

    async function router(options: { queueLimit?: number } = {}) {
      const bus = await makeBus("solo");
      return stack.router({ id: "solo", bus, localShortcut: false, ...options });
    }

    it("runs plain and streamed jobs", async () => {
      const r = await router();
      await stack.node(r, {
        name: "n",
        handlers: {
          echo: (c) => `bus:${c}`,
          story: async function* () {
            yield "a";
            yield "b";
          },
        },
      });
      const client = stack.client(r);
      await expect(client.submit({ capability: "echo", content: "x" })).resolves.toMatchObject({
        output: "bus:x",
      });
      const events = [];
      for await (const e of client.submitStream({ capability: "story" }))
        events.push(e.type === "delta" ? e.text : "|");
      expect(events).toEqual(["a", "b", "|"]);
    });

    it("never exceeds a node's concurrency: the owner refuses the excess and it waits in the queue", async () => {
      const r = await router();
      let running = 0;
      let peak = 0;
      const slow: TaskHandler = async (c) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((res) => setTimeout(res, 5));
        running -= 1;
        return c;
      };
      await stack.node(r, { name: "n", concurrency: 2, handlers: { echo: slow } });
      const client = stack.client(r);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => client.submit({ capability: "echo", content: String(i) })),
      );
      expect(results.map((x) => x.output)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
      expect(peak).toBeLessThanOrEqual(2);
    });

    it("cancels through the bus", async () => {
      const r = await router();
      let seen: TaskContext | undefined;
      await stack.node(r, {
        name: "n",
        handlers: {
          echo: (_c, _p, ctx) => {
            seen = ctx;
            return new Promise<string>((_res, reject) =>
              ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
            );
          },
        },
      });
      await expect(
        stack.client(r).submit({ capability: "echo", content: "x", deadlineMs: 200 }),
      ).rejects.toMatchObject({
        code: ErrorCode.DeadlineExceeded,
      });
      await eventually(() => seen?.signal.aborted === true, 5_000, "cancelled over the bus");
    });
  });
}

busPathSuite("in-process", async (id) => new LocalBusHub().connect(id));

let nats: NatsServer | undefined;
beforeAll(async () => {
  if (natsAvailable) nats = await NatsServer.start();
});
afterAll(async () => {
  await nats?.stop();
});
busPathSuite(
  "NATS",
  async (id) => NatsBus.connect({ url: (nats as NatsServer).url, replicaId: id, prefix: testPrefix() }),
  !natsAvailable,
);
