/**
 * Starts the bench's processes and makes sure none outlives the bench: the server scripts and the
 * services (nats-server, redis-server, postgres) are all tracked here, stopped by `stopProcess()` or
 * `stopChildren()`, and killed outright when the bench exits any other way. A server script also exits
 * by itself when its stdin (a pipe from the bench) closes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { READY_PREFIX, SHARE_PREFIX } from "./child-lifecycle.js";

export interface ChildOptions {
  /** Label used in messages. */
  name: string;
  /** TypeScript file run through bin/run-ts.js. */
  script: string;
  args?: string[];
  /** Extra flags for node itself, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /** How long the child may take to print its address. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface RunningChild {
  name: string;
  pid: number;
  /** The address the child printed: an HTTP base URL, or host:port of a gRPC server. */
  url: string;
  /** Values the child shared before it was ready (`share(name, value)`), e.g. an API key. */
  shared: Record<string, string>;
}

interface Tracked {
  child: ChildProcess;
  /** The signal that asks this process to stop cleanly. */
  stopSignal: NodeJS.Signals;
  /** Runs (synchronously) once the process is gone, e.g. to remove its data directory. */
  cleanup: (() => void) | undefined;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const live = new Map<number, Tracked>();

/**
 * Tracks a process the bench spawned, so that it is stopped with the others and killed if the bench
 * exits first. `cleanup` runs once it is gone, however it went.
 */
export function trackProcess(child: ChildProcess, stopSignal: NodeJS.Signals, cleanup?: () => void): void {
  const pid = child.pid;
  if (pid === undefined) return;
  let cleaned = false;
  const runCleanup = (): void => {
    if (cleaned) return;
    cleaned = true;
    cleanup?.();
  };
  live.set(pid, { child, stopSignal, cleanup: runCleanup });
  child.once("exit", () => {
    live.delete(pid);
    runCleanup();
  });
}

/** Spawns a server script and resolves with its address once it printed it. */
export async function startChild(options: ChildOptions): Promise<RunningChild> {
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), "bin/run-ts.js", options.script, ...(options.args ?? [])],
    { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] },
  );
  trackProcess(child, "SIGTERM");
  // The pipe breaking when the child dies is expected.
  child.stdin?.on("error", () => {});

  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const limitMs = options.readyTimeoutMs ?? 30_000;
  const timer = new AbortController();
  const shared: Record<string, string> = {};
  try {
    const url = await Promise.race([
      (async () => {
        for await (const line of lines) {
          if (line.startsWith(READY_PREFIX)) return line.slice(READY_PREFIX.length).trim();
          if (line.startsWith(SHARE_PREFIX)) {
            const [name = "", ...value] = line.slice(SHARE_PREFIX.length).split(" ");
            shared[name] = value.join(" ");
          }
        }
        throw new Error(`${options.name} closed its output before printing its address`);
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
    lines.close();
    child.stdout?.resume();
    return { name: options.name, pid: child.pid ?? -1, url, shared };
  } finally {
    timer.abort();
  }
}

async function stopTracked(tracked: Tracked, graceMs: number): Promise<void> {
  const { child } = tracked;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.stdin?.end();
  child.kill(tracked.stopSignal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Asks one process to stop (stdin closed, then its stop signal) and SIGKILLs it after `graceMs`. */
export async function stopProcess(pid: number, graceMs = 15_000): Promise<void> {
  const tracked = live.get(pid);
  if (tracked) await stopTracked(tracked, graceMs);
}

/** Stops every process still running, all at once; SIGKILLs those still alive after `graceMs`. */
export async function stopChildren(graceMs = 15_000): Promise<void> {
  await Promise.all([...live.values()].map((tracked) => stopTracked(tracked, graceMs)));
}

/** Last resort when the bench exits without stopping its processes: kill them at once. */
function killAll(): void {
  for (const tracked of live.values()) {
    tracked.child.kill("SIGKILL");
    try {
      tracked.cleanup?.();
    } catch {
      // Best effort while exiting.
    }
  }
}

process.once("exit", killAll);
