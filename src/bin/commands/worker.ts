import { hostname } from "node:os";
import { type Config, parseAddressList } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import {
  BUILTIN_CAPABILITIES,
  builtinHandlers,
  DEMO_MODEL,
  demoHandlers,
  SPLITTABLE_BUILTINS,
} from "../../worker/handlers/builtin.js";
import { createOpenAIUpstream } from "../../worker/handlers/openai-upstream.js";
import { Node } from "../../worker/node.js";
import type { TaskHandler } from "../../worker/types.js";
import { intFlag, labelFlags, listFlag, parseFlags, UsageError } from "../args.js";
import { onShutdownSignal } from "../lifecycle.js";

const CAPABILITIES = [...BUILTIN_CAPABILITIES, "chat", "completion", "openai-upstream"];

export const WORKER_USAGE = `switchyard worker --capability NAME [--capability NAME ...] [options]

  Runs a worker node with built-in handlers, connected to one or more routers.
  --router LIST       router addresses, tried in turn (env ROUTER_ADDRESSES, default 127.0.0.1:50051)
  --capability NAME   ${CAPABILITIES.join(", ")} (repeatable or comma-separated)
                      chat / completion: demo replies ("You said: ...") for model ${DEMO_MODEL}
                      openai-upstream: chat and completion forwarded to --upstream, serving its models
  --name NAME         node name, its identity with the key (default worker-<hostname>-<pid>)
  --concurrency N     most tasks at once, 1..1024 (default 4)
  --delay-ms N        wait N ms in every built-in handler, for benchmarks (default 0)
  --model ID          models served (repeatable; default ${DEMO_MODEL} for the demo chat, or the upstream's list)
  --language CODE     languages handled (repeatable)
  --label KEY=VALUE   labels shown in status pages (repeatable)
  --key KEY           operator API key (env SWITCHYARD_KEY)
  --upstream URL      OpenAI-compatible base URL for openai-upstream, e.g. http://127.0.0.1:8000/v1
  --upstream-key KEY  API key for the upstream (env UPSTREAM_API_KEY)`;

export async function runWorker(argv: string[], config: Config, logger: Logger): Promise<void> {
  const flags = parseFlags(argv, {
    router: { type: "string" },
    capability: { type: "string", multiple: true },
    name: { type: "string" },
    concurrency: { type: "string" },
    "delay-ms": { type: "string" },
    model: { type: "string", multiple: true },
    language: { type: "string", multiple: true },
    label: { type: "string", multiple: true },
    key: { type: "string" },
    upstream: { type: "string" },
    "upstream-key": { type: "string" },
  });
  const capabilities = listFlag(flags.capability);
  if (capabilities.length === 0) throw new UsageError("at least one --capability is required");
  const unknown = capabilities.filter((c) => !CAPABILITIES.includes(c));
  if (unknown.length > 0) throw new UsageError(`unknown capability: ${unknown.join(", ")}`);
  const delayMs = intFlag(flags["delay-ms"], "delay-ms", 0, 0, 3_600_000);
  let models = listFlag(flags.model);

  const handlers: Record<string, TaskHandler> = {};
  const builtins = builtinHandlers({ delayMs });
  const demo = demoHandlers({ delayMs });
  for (const capability of capabilities) {
    if (capability === "chat" || capability === "completion") handlers[capability] = demo[capability];
    else if (capability !== "openai-upstream")
      handlers[capability] = builtins[capability as keyof typeof builtins];
  }
  if ((handlers.chat || handlers.completion) && models.length === 0) models = [DEMO_MODEL];
  if (capabilities.includes("openai-upstream")) {
    if (handlers.chat || handlers.completion) {
      throw new UsageError(
        "openai-upstream serves chat and completion itself; drop --capability chat/completion",
      );
    }
    if (!flags.upstream) throw new UsageError("openai-upstream needs --upstream URL");
    const apiKey = flags["upstream-key"] ?? config.upstreamApiKey;
    const upstream = createOpenAIUpstream(
      apiKey ? { baseUrl: flags.upstream, apiKey } : { baseUrl: flags.upstream },
    );
    if (models.length === 0) models = await upstream.listModels(AbortSignal.timeout(30_000));
    if (models.length === 0) throw new UsageError(`the upstream at ${flags.upstream} lists no models`);
    handlers.chat = upstream.chat;
    handlers.completion = upstream.completion;
  }

  const routers = flags.router ? parseAddressList(flags.router, "--router") : config.routerAddresses;
  const apiKey = flags.key ?? config.apiKey;
  const node = new Node({
    name: flags.name ?? `worker-${hostname()}-${process.pid}`,
    routers,
    ...(apiKey ? { apiKey } : {}),
    handlers,
    models,
    languages: listFlag(flags.language),
    labels: labelFlags(flags.label),
    splittable: Object.keys(handlers).filter((c) => (SPLITTABLE_BUILTINS as readonly string[]).includes(c)),
    concurrency: intFlag(flags.concurrency, "concurrency", 4, 1, 1024),
    logger,
  });
  onShutdownSignal(logger, () => node.stop());
  node.on("registered", (nodeId, routerId) => {
    console.log(
      `switchyard worker ${nodeId} registered with ${routerId}: ${Object.keys(handlers).join(", ")}`,
    );
  });
  await node.start();
}
