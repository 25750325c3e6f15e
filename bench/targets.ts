/** The two servers under load, each started in its own child process. */
import { CHAT_PATH, CHAT_REQUEST_BODY, isValidAnswer } from "./chat.js";
import { type RunningChild, startChild } from "./children.js";
import type { BenchSettings } from "./settings.js";

export const PROFILE_DIR = "bench/results/profiles";

/** Router + gateway + one worker in one process. */
export function startSwitchyard(settings: BenchSettings): Promise<RunningChild> {
  return startChild({
    name: "switchyard",
    script: "bench/servers/switchyard-server.ts",
    args: ["--concurrency", String(settings.workerConcurrency), "--log-level", settings.logLevel],
    nodeFlags: settings.profile ? ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR] : [],
  });
}

/** The bare node:http server. */
export function startBaseline(): Promise<RunningChild> {
  return startChild({ name: "baseline", script: "bench/servers/baseline-server.ts" });
}

/** Sends one request and throws, with what came back, unless it is a good answer. */
export async function checkAnswers(target: RunningChild): Promise<void> {
  const res = await fetch(`${target.url}${CHAT_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: CHAT_REQUEST_BODY,
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.text();
  if (res.status !== 200 || !isValidAnswer(body)) {
    throw new Error(`${target.name} answered ${res.status} ${body.slice(0, 500)}`);
  }
}
