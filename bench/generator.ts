/**
 * Load generators that run in a child process of their own, so that they share no event loop with the
 * bench or with a target: the parent hands the generator its job as JSON on the command line, and the
 * generator prints one `result <json>` line on stdout before it exits (generators/protocol.ts). Each is
 * tracked by children.ts like every other process of the bench, and killed past its time limit.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { trackProcess } from "./children.js";
import { RESULT_PREFIX } from "./generators/protocol.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface GeneratorOptions {
  /** Label used in messages. */
  name: string;
  /** TypeScript file run through bin/run-ts.js. */
  script: string;
  /** The generator's job, passed as JSON. */
  input: object;
  /** The generator is killed, and the run fails, past this. */
  limitMs: number;
}

/** Runs a generator to its end and resolves with the result it printed. */
export async function runGenerator<T>(options: GeneratorOptions): Promise<T> {
  const child = spawn(process.execPath, ["bin/run-ts.js", options.script, JSON.stringify(options.input)], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  trackProcess(child, "SIGTERM");
  child.stdin?.on("error", () => {});
  let output = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (text: string) => {
    output += text;
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), options.limitMs);
  try {
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    const line = output.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
    if (line === undefined) {
      throw new Error(
        `${options.name} generator ended (code ${code}, signal ${signal}) without a result` +
          (signal === "SIGKILL" ? ` (killed after ${options.limitMs} ms)` : ""),
      );
    }
    return JSON.parse(line.slice(RESULT_PREFIX.length)) as T;
  } finally {
    clearTimeout(killer);
  }
}
