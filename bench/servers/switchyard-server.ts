/**
 * The system under test: a router, one worker and the HTTP gateway in one process, on embedded
 * back-ends, like `switchyard all`, with a worker whose chat handler takes a fixed time.
 *
 * Run as a child of bench/run.ts:
 *   node bin/run-ts.js bench/servers/switchyard-server.ts [--concurrency N] [--log-level LEVEL]
 * Log lines, when enabled, are serialised but written to /dev/null, so their cost is measured without
 * filling the bench's pipe.
 */
import { parseArgs } from "node:util";
import { pino } from "pino";
import { SwitchyardClient } from "../../src/client/client.js";
import type { Logger } from "../../src/core/logger.js";
import { buildGateway } from "../../src/gateway/app.js";
import { Router } from "../../src/router/router.js";
import { Node } from "../../src/worker/node.js";
import { BENCH_MODEL, HANDLER_DELAY_MS } from "../chat.js";
import { announce, closeWhenParentGoes } from "../child-lifecycle.js";
import { delayedChat } from "./delayed-chat.js";

const { values } = parseArgs({
  options: {
    concurrency: { type: "string", default: "256" },
    "log-level": { type: "string", default: "silent" },
  },
});
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  throw new RangeError(`--concurrency must be a positive integer, got ${values.concurrency}`);
}

const logger: Logger = pino(
  { level: values["log-level"] },
  pino.destination({ dest: "/dev/null", sync: false }),
);

const router = await Router.create({ host: "127.0.0.1", port: 0, logger, id: "bench-router" });
const node = new Node({
  name: "bench-worker",
  routers: [router.address],
  handlers: { chat: delayedChat(HANDLER_DELAY_MS) },
  models: [BENCH_MODEL],
  concurrency,
  logger,
});
await node.start();
const client = new SwitchyardClient({ routers: [router.address] });
const app = await buildGateway({ backend: client, logger, isReady: () => router.state === "running" });
const url = await app.listen({ host: "127.0.0.1", port: 0 });

closeWhenParentGoes(async () => {
  const steps: Array<() => Promise<void> | void> = [
    () => app.close(),
    () => node.stop(),
    () => client.close(),
    () => router.close(),
  ];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      console.error(err);
    }
  }
});
announce(url);
