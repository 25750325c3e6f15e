/**
 * Starts the bench's server processes and makes sure none outlives the bench: each child is stopped by
 * `stopChildren()`, killed outright when the bench exits any other way, and exits by itself when its
 * stdin (a pipe from the bench) closes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { READY_PREFIX } from "./child-lifecycle.js";

export interface ChildOptions {
  /** Label used in messages. */
  name: string;
  /** TypeScript file run through bin/run-ts.js. */
  script: string;
  args?: string[];
  /** Extra flags for node itself, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /** How long the child may take to print its URL. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface RunningChild {
  name: string;
  pid: number;
  /** The URL the child printed. */
  url: string;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const live = new Set<ChildProcess>();

/** Spawns a server script and resolves with its URL once it printed it. */
export async function startChild(options: ChildOptions): Promise<RunningChild> {
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), "bin/run-ts.js", options.script, ...(options.args ?? [])],
    { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] },
  );
  live.add(child);
  child.once("exit", () => live.delete(child));
  // The pipe breaking when the child dies is expected.
  child.stdin?.on("error", () => {});

  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const limitMs = options.readyTimeoutMs ?? 30_000;
  const timer = new AbortController();
  try {
    const url = await Promise.race([
      (async () => {
        for await (const line of lines) {
          if (line.startsWith(READY_PREFIX)) return line.slice(READY_PREFIX.length).trim();
        }
        throw new Error(`${options.name} closed its output before printing its URL`);
      })(),
      once(child, "exit", { signal: timer.signal }).then(([code, signal]) => {
        throw new Error(`${options.name} exited (code ${code}, signal ${signal}) before it was ready`);
      }),
      new Promise<never>((_, reject) => {
        const t = setTimeout(
          () => reject(new Error(`${options.name} was not ready within ${limitMs} ms`)),
          limitMs,
        );
        timer.signal.addEventListener("abort", () => clearTimeout(t));
      }),
    ]);
    // Keep draining stdout so a chatty child never blocks on a full pipe.
    child.stdout?.resume();
    return { name: options.name, pid: child.pid ?? -1, url };
  } finally {
    timer.abort();
  }
}

/** Asks every child to stop (stdin closed, then SIGTERM) and SIGKILLs those still alive after `graceMs`. */
export async function stopChildren(graceMs = 15_000): Promise<void> {
  const children = [...live];
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.stdin?.end();
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** Last resort when the bench exits without stopping its children: kill them at once. */
function killAll(): void {
  for (const child of live) child.kill("SIGKILL");
}

process.once("exit", killAll);
