import { ConfigError, loadConfig } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import { UsageError } from "./args.js";
import { ACCOUNT_USAGE, runAccount } from "./commands/account.js";
import { ALL_USAGE, runAll } from "./commands/all.js";
import { GATEWAY_USAGE, runGateway } from "./commands/gateway.js";
import { MIGRATE_USAGE, runMigrate } from "./commands/migrate.js";
import { ROUTER_USAGE, runRouter } from "./commands/router.js";
import { runWorker, WORKER_USAGE } from "./commands/worker.js";

const USAGE = `Switchyard: a gRPC-first, high-throughput job router for AI work.

Usage: switchyard <command> [flags]

${ALL_USAGE}

${ROUTER_USAGE}

${GATEWAY_USAGE}

${WORKER_USAGE}

${MIGRATE_USAGE}

${ACCOUNT_USAGE}

Environment (see .env.example): HOST, PORT, ROUTER_PORT, ROUTER_ID, ROUTER_ADDRESSES, SWITCHYARD_KEY,
UPSTREAM_API_KEY, LOG_LEVEL, DEFAULT_DEADLINE_MS, MAX_DEADLINE_MS, QUEUE_LIMIT, MAX_ATTEMPTS,
HEARTBEAT_INTERVAL_MS, BODY_LIMIT_BYTES, NATS_URL, REDIS_URL, SWITCHYARD_PREFIX, NODE_TTL_MS,
SPLIT_THRESHOLD, MAX_CHUNKS, DATABASE_URL, DATA_DIR, DEFAULT_PRICE, PRICES, HOLD_GRACE_MS, METRICS_PORT,
METRICS_HOST.
Flags override the environment.`;

const COMMANDS = {
  all: runAll,
  router: runRouter,
  gateway: runGateway,
  worker: runWorker,
  migrate: runMigrate,
  account: runAccount,
} as const;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (
    command === undefined ||
    command === "--help" ||
    command === "-h" ||
    command === "help" ||
    rest.includes("--help")
  ) {
    console.log(USAGE);
    return;
  }
  const run = COMMANDS[command as keyof typeof COMMANDS];
  if (!run) throw new UsageError(`unknown command "${command}"`);
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: command });
  await run(rest, config, logger);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || err instanceof ConfigError) {
    console.error(`switchyard: ${err.message}\n\nRun "switchyard --help" for usage.`);
    process.exit(2);
  }
  console.error("switchyard: failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
