/** The HTTP servers under load, each started in its own child process. */
import { CHAT_PATH, CHAT_REQUEST_BODY, isValidAnswer } from "./chat.js";
import { type RunningChild, startChild } from "./children.js";
import type { BenchSettings } from "./settings.js";

export const PROFILE_DIR = "bench/results/profiles";

/** The node flags of a server process the bench profiles (`--profile`). */
export const PROFILE_FLAGS: readonly string[] = ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR];

/** Where a billing Switchyard keeps its ledger. */
export type LedgerTarget = { kind: "postgres"; databaseUrl: string } | { kind: "pglite"; dataDir: string };

function ledgerArgs(ledger: LedgerTarget | undefined): string[] {
  if (!ledger) return [];
  return ledger.kind === "postgres"
    ? ["--ledger", "postgres", "--database-url", ledger.databaseUrl]
    : ["--ledger", "pglite", "--pglite-dir", ledger.dataDir];
}

/**
 * Router + gateway in one process and one worker in a child process of its own; with `ledger`, billing on (the child shares the
 * client key the requests must carry, as `shared["client-key"]`); with `metrics`, metrics recorded and
 * served as in `switchyard all` (the gateway's at `<url>/metrics`, the router's at
 * `shared["router-metrics-url"]`).
 */
export function startSwitchyard(
  settings: BenchSettings,
  name = "switchyard",
  ledger?: LedgerTarget,
  metrics = false,
): Promise<RunningChild> {
  return startChild({
    name,
    script: "bench/servers/switchyard-server.ts",
    args: [
      ...["--concurrency", String(settings.workerConcurrency), "--log-level", settings.logLevel],
      ...ledgerArgs(ledger),
      ...(metrics ? ["--metrics"] : []),
    ],
    nodeFlags: settings.profile ? [...PROFILE_FLAGS] : [],
    // Opening and migrating a ledger takes a few seconds more on a busy machine.
    readyTimeoutMs: ledger ? 60_000 : 30_000,
  });
}

/** The bare node:http server. */
export function startBaseline(): Promise<RunningChild> {
  return startChild({ name: "baseline", script: "bench/servers/baseline-server.ts" });
}

/** The peer: the Portkey AI gateway, pointed at an upstream per request (`peerHeaders`). */
export function startPortkey(): Promise<RunningChild> {
  return startChild({ name: "Portkey gateway", script: "bench/servers/portkey-server.ts" });
}

/** The raw grpc-js echo server (the gRPC baseline). */
export function startGrpcEcho(): Promise<RunningChild> {
  return startChild({ name: "grpc-js echo", script: "bench/servers/grpc-echo-server.ts" });
}

/**
 * The headers that make Portkey forward a request to `upstream` (a base URL) as an OpenAI-compatible
 * provider. The bearer key is passed on to the upstream, which ignores it.
 */
export function peerHeaders(upstream: string): Record<string, string> {
  return {
    "x-portkey-provider": "openai",
    "x-portkey-custom-host": `${upstream}/v1`,
    authorization: "Bearer sk-bench-unused",
  };
}

/** The headers every request to `target` carries: its client key when billing is on. */
export function requestHeaders(target: RunningChild): Record<string, string> {
  const key = target.shared["client-key"];
  return key === undefined ? {} : { authorization: `Bearer ${key}` };
}

/** Sends one request and throws, with what came back, unless it is a good answer. */
export async function checkAnswers(
  target: RunningChild,
  headers: Record<string, string> = requestHeaders(target),
): Promise<void> {
  const res = await fetch(`${target.url}${CHAT_PATH}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: CHAT_REQUEST_BODY,
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.text();
  if (res.status !== 200 || !isValidAnswer(body)) {
    throw new Error(`${target.name} answered ${res.status} ${body.slice(0, 500)}`);
  }
}
