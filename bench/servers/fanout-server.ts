/**
 * A router replica and its worker nodes in one process, for the fan-out scenarios. Every worker serves
 * `upper` (declared splittable, so a long document is split into chunks) and the same handler as
 * `upper-whole` (not splittable, so a chunk-sized job runs whole), each waiting a fixed time first.
 *
 * - `--bus local`: one router with the embedded directory and no bus; tasks reach its own nodes
 *   directly (the in-process fan-out).
 * - `--bus nats --nats URL --redis URL --prefix P`: a cluster replica on NATS and Redis with the local
 *   shortcut off, so every task, even one for a node on this replica, is offered over NATS.
 *
 * With `--expect-nodes M` the server announces itself only once its directory lists M `upper` nodes
 * (its own and other replicas'), so the bench never submits before the cluster is whole.
 *
 *   node bin/run-ts.js bench/servers/fanout-server.ts --bus local|nats --id ID --workers N
 *     [--first-worker K] [--concurrency C] [--delay-ms MS] [--expect-nodes M] [--log-level LEVEL]
 *
 * Prints `listening <host:port>` (the router's gRPC address) when ready.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { pino } from "pino";
import type { Logger } from "../../src/core/logger.js";
import { RedisDirectory } from "../../src/router/directory/redis.js";
import { NatsBus } from "../../src/router/fanout/nats-bus.js";
import type { RouterOptions } from "../../src/router/options.js";
import { Router } from "../../src/router/router.js";
import { builtinHandlers } from "../../src/worker/handlers/builtin.js";
import { Node } from "../../src/worker/node.js";
import { announce, closeWhenParentGoes } from "../child-lifecycle.js";
import { SPLIT_CAPABILITY, WHOLE_CAPABILITY } from "../document.js";

/** How long the server waits for the cluster's nodes to appear in its directory. */
const CLUSTER_WAIT_MS = 20_000;

const { values } = parseArgs({
  options: {
    bus: { type: "string", default: "local" },
    id: { type: "string", default: "bench-fanout" },
    workers: { type: "string", default: "8" },
    "first-worker": { type: "string", default: "1" },
    concurrency: { type: "string", default: "8" },
    "delay-ms": { type: "string", default: "20" },
    "expect-nodes": { type: "string", default: "0" },
    nats: { type: "string" },
    redis: { type: "string" },
    prefix: { type: "string", default: "sybench" },
    "log-level": { type: "string", default: "silent" },
  },
});

function whole(name: string, min: number): number {
  const raw = values[name as keyof typeof values];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new RangeError(`--${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
}

const workers = whole("workers", 0);
const firstWorker = whole("first-worker", 1);
const concurrency = whole("concurrency", 1);
const delayMs = whole("delay-ms", 0);
const expectNodes = whole("expect-nodes", 0);

const logger: Logger = pino(
  { level: values["log-level"] },
  pino.destination({ dest: "/dev/null", sync: false }),
);

async function clusterOptions(): Promise<Partial<RouterOptions>> {
  if (values.bus === "local") return {};
  if (values.bus !== "nats") throw new RangeError(`--bus must be local or nats, got ${values.bus}`);
  if (!values.nats || !values.redis) throw new RangeError("--bus nats needs --nats URL and --redis URL");
  const bus = await NatsBus.connect({
    url: values.nats,
    replicaId: values.id,
    prefix: values.prefix,
    logger,
  });
  try {
    const directory = await RedisDirectory.create({
      url: values.redis,
      prefix: values.prefix,
      events: bus,
      routerId: values.id,
      logger,
    });
    return { bus, directory, localShortcut: false };
  } catch (err) {
    await bus.close();
    throw err;
  }
}

const router = await Router.create({
  host: "127.0.0.1",
  port: 0,
  id: values.id,
  logger,
  ...(await clusterOptions()),
});
const upper = builtinHandlers({ delayMs }).upper;
const nodes: Node[] = [];
for (let i = 0; i < workers; i++) {
  const node = new Node({
    name: `fanout-worker-${firstWorker + i}`,
    routers: [router.address],
    handlers: { [SPLIT_CAPABILITY]: upper, [WHOLE_CAPABILITY]: upper },
    splittable: [SPLIT_CAPABILITY],
    concurrency,
    logger,
  });
  nodes.push(node);
}
await Promise.all(nodes.map((n) => n.start()));

closeWhenParentGoes(async () => {
  const steps: Array<() => Promise<void>> = [
    () => Promise.all(nodes.map((n) => n.stop())).then(() => {}),
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

const until = Date.now() + CLUSTER_WAIT_MS;
for (;;) {
  const seen = router.directory.withCapability(SPLIT_CAPABILITY).length;
  if (seen >= expectNodes) break;
  if (Date.now() > until) {
    throw new Error(`${values.id} sees ${seen} of ${expectNodes} nodes after ${CLUSTER_WAIT_MS} ms`);
  }
  await sleep(50);
}
announce(router.address);
