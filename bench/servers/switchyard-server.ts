/**
 * The system under test: a router and the HTTP gateway in one process, on embedded back-ends, like
 * `switchyard all`, and one worker whose chat handler takes a fixed time (or streams fixed pieces at a
 * fixed pace when the client streams) and whose `echo` handler answers at once. The worker runs in a
 * child process of its own (`worker-node.ts`), as a node runs beside its model server, connected over
 * the router's gRPC node stream; `--worker inproc` runs it in this process instead, as the demo worker
 * of `switchyard all` does. The router's gRPC address is shared as `router-address`, for the gRPC scenario. Billing is off
 * unless a ledger is given: then the router authenticates every job and holds and settles its cost on
 * that ledger, the worker connects with an operator key, and the server shares (`client-key`) the key
 * of a client account granted enough credits for the whole run.
 *
 * With `--metrics`, metrics are recorded as in `switchyard all`: the gateway's at `GET /metrics` on its
 * own port, the router's (with the process metrics) on a metrics port of their own (a free one on
 * 127.0.0.1), whose scrape URL the server shares as `router-metrics-url`.
 *
 * Run as a child of bench/run.ts:
 *   node bin/run-ts.js bench/servers/switchyard-server.ts [--concurrency N] [--log-level LEVEL]
 *     [--ledger postgres --database-url URL | --ledger pglite --pglite-dir DIR] [--metrics]
 *     [--worker process|inproc]
 * Log lines, when enabled, are serialised but written to /dev/null, so their cost is measured without
 * filling the bench's pipe.
 */
import { parseArgs } from "node:util";
import { pino } from "pino";
import type { Logger } from "../../src/core/logger.js";
import { MetricsServer } from "../../src/core/metrics/server.js";
import { buildGateway } from "../../src/gateway/app.js";
import { GatewayMetrics } from "../../src/gateway/metrics/gateway-metrics.js";
import { Ledger } from "../../src/ledger/ledger.js";
import { Billing } from "../../src/router/billing/billing.js";
import { InProcessClient } from "../../src/router/in-process-client.js";
import { RouterMetrics } from "../../src/router/metrics/router-metrics.js";
import { Router } from "../../src/router/router.js";
import { announce, closeWhenParentGoes, share } from "../child-lifecycle.js";
import { startChild, stopProcess } from "../children.js";
import { PROFILE_FLAGS } from "../targets.js";
import { benchWorker } from "./delayed-chat.js";

/** Credits granted to the bench's client account: far more than any run spends (10 per request). */
const CLIENT_CREDITS = 1_000_000_000;

const { values } = parseArgs({
  options: {
    concurrency: { type: "string", default: "256" },
    "log-level": { type: "string", default: "silent" },
    ledger: { type: "string", default: "none" },
    "database-url": { type: "string" },
    "pglite-dir": { type: "string" },
    metrics: { type: "boolean", default: false },
    worker: { type: "string", default: "process" },
  },
});
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  throw new RangeError(`--concurrency must be a positive integer, got ${values.concurrency}`);
}
if (values.worker !== "process" && values.worker !== "inproc") {
  throw new RangeError(`--worker must be process or inproc, got ${values.worker}`);
}

const logger: Logger = pino(
  { level: values["log-level"] },
  pino.destination({ dest: "/dev/null", sync: false }),
);

// Two registries, as `switchyard all` has them: process metrics on the router's.
const routerMetrics = values.metrics ? new RouterMetrics() : undefined;
const gatewayMetrics = values.metrics ? new GatewayMetrics({ processMetrics: false }) : undefined;
const metricsServer = routerMetrics
  ? await MetricsServer.start(routerMetrics.registry, { host: "127.0.0.1", port: 0 })
  : undefined;
const ledgerObserve = routerMetrics ? { observe: routerMetrics.ledger.observe } : {};

async function openLedger(): Promise<Ledger | undefined> {
  switch (values.ledger) {
    case "none":
      return undefined;
    case "postgres": {
      const databaseUrl = values["database-url"];
      if (!databaseUrl) throw new RangeError("--ledger postgres needs --database-url");
      return Ledger.open({ databaseUrl, logger, ...ledgerObserve });
    }
    case "pglite": {
      const pgliteDataDir = values["pglite-dir"];
      if (!pgliteDataDir) throw new RangeError("--ledger pglite needs --pglite-dir");
      return Ledger.open({ pgliteDataDir, logger, ...ledgerObserve });
    }
    default:
      throw new RangeError(`--ledger must be none, postgres or pglite, got ${values.ledger}`);
  }
}

const ledger = await openLedger();
let billing: Billing | undefined;
let operatorKey: string | undefined;
if (ledger) {
  // As `switchyard router` runs it: the reaper on, default prices (10 credits per chunk).
  ledger.startReaper();
  billing = new Billing({ ledger, logger });
  operatorKey = (await ledger.createAccount({ name: "bench-operator" })).apiKey;
  const client = await ledger.createAccount({ name: "bench-client" });
  await ledger.grant(client.accountId, CLIENT_CREDITS, "bench credits");
  share("client-key", client.apiKey);
}

const router = await Router.create({
  host: "127.0.0.1",
  port: 0,
  logger,
  id: "bench-router",
  ...(billing ? { billing } : {}),
  ...(routerMetrics ? { observers: [routerMetrics.observer], grpcObserver: routerMetrics.grpc } : {}),
});
routerMetrics?.attach(router);
/** Starts the worker and resolves once the router accepted its registration; returns its stop. */
async function startWorker(): Promise<() => Promise<void>> {
  if (values.worker === "process") {
    const worker = await startChild({
      name: "bench worker",
      script: "bench/servers/worker-node.ts",
      args: [
        ...["--router", router.address, "--concurrency", String(concurrency)],
        ...["--log-level", values["log-level"]],
        ...(operatorKey ? ["--api-key", operatorKey] : []),
      ],
      // Profiled too when this process is.
      nodeFlags: process.execArgv.includes("--cpu-prof") ? [...PROFILE_FLAGS] : [],
    });
    return () => stopProcess(worker.pid);
  }
  const node = benchWorker({ router: router.address, apiKey: operatorKey, concurrency, logger });
  await node.start();
  return () => node.stop();
}
const stopWorker = await startWorker();
// As in `switchyard all`: the gateway hands jobs to the router in this process directly.
const client = new InProcessClient(router, { routers: [router.address] });
const app = await buildGateway({
  backend: client,
  logger,
  isReady: () => router.state === "running",
  ...(gatewayMetrics ? { metrics: gatewayMetrics } : {}),
});
const url = await app.listen({ host: "127.0.0.1", port: 0 });

/** A shutdown step slower than this is named on stderr, so a slow close can be traced to its step. */
const SLOW_STEP_MS = 500;

closeWhenParentGoes(async () => {
  const steps: Array<[string, () => Promise<void> | void]> = [
    ["gateway", () => app.close()],
    ["worker", stopWorker],
    ["client", () => client.close()],
    ["router", () => router.close()],
    ["ledger", () => ledger?.close()],
    ["router metrics", () => metricsServer?.close()],
  ];
  for (const [name, step] of steps) {
    const startedAt = Date.now();
    try {
      await step();
    } catch (err) {
      console.error(err);
    }
    const tookMs = Date.now() - startedAt;
    if (tookMs > SLOW_STEP_MS) console.error(`switchyard-server: closing the ${name} took ${tookMs} ms`);
  }
});
if (metricsServer) share("router-metrics-url", metricsServer.url);
share("router-address", router.address);
announce(url);
