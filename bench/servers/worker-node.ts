/**
 * The worker of the Switchyard under test, in a process of its own as a node runs beside its model
 * server: the node SDK with the bench's handlers (`chat` takes a fixed time, or streams fixed pieces
 * at a fixed pace when the client streams; `echo` answers at once), connected to one router. Announces
 * the router's address once the router accepted its registration.
 *
 * Started by bench/servers/switchyard-server.ts:
 *   node bin/run-ts.js bench/servers/worker-node.ts --router HOST:PORT [--concurrency N]
 *     [--api-key KEY] [--log-level LEVEL]
 */
import { parseArgs } from "node:util";
import { pino } from "pino";
import type { Logger } from "../../src/core/logger.js";
import { announce, closeWhenParentGoes } from "../child-lifecycle.js";
import { benchWorker } from "./delayed-chat.js";

const { values } = parseArgs({
  options: {
    router: { type: "string" },
    concurrency: { type: "string", default: "256" },
    "api-key": { type: "string" },
    "log-level": { type: "string", default: "silent" },
  },
});
const router = values.router;
if (!router) throw new RangeError("--router is required");
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  throw new RangeError(`--concurrency must be a positive integer, got ${values.concurrency}`);
}

const logger: Logger = pino(
  { level: values["log-level"] },
  pino.destination({ dest: "/dev/null", sync: false }),
);

const node = benchWorker({ router, apiKey: values["api-key"], concurrency, logger });
await node.start();
closeWhenParentGoes(() => node.stop());
announce(router);
