/**
 * Private nats-server, redis-server and PostgreSQL for the cluster and billing scenarios, each on a free
 * port of 127.0.0.1 with its data in a fresh temporary directory, tracked by children.ts so that none
 * outlives the bench. PostgreSQL keeps its default durability (fsync and synchronous_commit on), as in
 * production: the billing numbers include waiting for the WAL to reach the disk.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { stopProcess, trackProcess } from "./children.js";

export interface RunningService {
  name: string;
  pid: number;
  url: string;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

export interface PostgresService extends RunningService {
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** The server's major version. */
  version: string;
}

const PG_ROOT = "/usr/lib/postgresql";

/** Directory of the newest installed PostgreSQL's binaries, if any. */
function postgresBinDir(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(PG_ROOT, versions[0], "bin");
}

function onPath(binary: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;
}

/** What is missing to run the cluster scenarios (nats-server, redis-server), or undefined. */
export function clusterServicesMissing(): string | undefined {
  const missing = ["nats-server", "redis-server"].filter((b) => !onPath(b));
  return missing.length > 0 ? `${missing.join(" and ")} not on PATH` : undefined;
}

/** Why PostgreSQL cannot be started here, or undefined. */
export function postgresMissing(): string | undefined {
  return postgresBinDir() === undefined ? `no PostgreSQL server binaries under ${PG_ROOT}` : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1");
  });
}

/** Polls `ready` every 50 ms until it resolves true; throws if the process exits or time runs out. */
async function waitFor(
  name: string,
  child: ChildProcess,
  ready: () => Promise<boolean>,
  timeoutMs: number,
  log: () => string = () => "",
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} ${log()}`);
    if (await ready()) return;
    if (Date.now() > until) throw new Error(`${name} not ready after ${timeoutMs} ms ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function removeDir(dir: string): () => void {
  return () => rmSync(dir, { recursive: true, force: true });
}

/** A nats-server with core NATS only (no JetStream: the bus does not use it). */
export async function startNats(): Promise<RunningService> {
  const port = await freePort();
  const child = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  trackProcess(child, "SIGTERM");
  await waitFor("nats-server", child, () => portOpen(port), 10_000);
  const pid = child.pid ?? -1;
  return { name: "nats-server", pid, url: `nats://127.0.0.1:${port}`, stop: () => stopProcess(pid, 5_000) };
}

/** A redis-server that keeps nothing on disk. */
export async function startRedis(): Promise<RunningService> {
  const port = await freePort();
  const dir = tempDir("sy-bench-redis-");
  const child = spawn(
    "redis-server",
    [
      ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir],
      ...["--save", "", "--appendonly", "no", "--daemonize", "no"],
    ],
    { stdio: "ignore" },
  );
  trackProcess(child, "SIGTERM", removeDir(dir));
  await waitFor("redis-server", child, () => portOpen(port), 10_000);
  const pid = child.pid ?? -1;
  return { name: "redis-server", pid, url: `redis://127.0.0.1:${port}`, stop: () => stopProcess(pid, 5_000) };
}

/** The uid/gid to run PostgreSQL as: the `postgres` user when we are root (it refuses root), else us. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error("running as root, and there is no postgres user to run PostgreSQL as");
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * initdb into a temporary directory, then `postgres` on a free port with its default durability
 * settings; only the listen address, the socket directory and the port are set.
 */
export async function startPostgres(): Promise<PostgresService> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`no PostgreSQL binaries under ${PG_ROOT}`);
  const user = postgresUser();
  const dir = tempDir("sy-bench-pg-");
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  const asUser = { cwd: dir, ...(user ?? {}), env: { ...process.env, LC_ALL: "C" } };
  const init = spawnSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
    { ...asUser, encoding: "utf8" },
  );
  if (init.status !== 0) {
    removeDir(dir)();
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  const child = spawn(
    join(bin, "postgres"),
    ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"],
    { ...asUser, stdio: ["ignore", "ignore", "pipe"] },
  );
  // SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing waits for clients to leave.
  trackProcess(child, "SIGINT", removeDir(dir));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
  });
  const urlFor = (database: string): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const pid = child.pid ?? -1;
  try {
    await waitFor(
      "postgres",
      child,
      () => accepts(urlFor("postgres")),
      30_000,
      () => stderr,
    );
  } catch (err) {
    await stopProcess(pid, 5_000);
    throw err;
  }
  return {
    name: "postgres",
    pid,
    url: urlFor("postgres"),
    version: bin.split("/").at(-2) ?? "?",
    stop: () => stopProcess(pid, 10_000),
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new RangeError(`bad database name ${name}`);
      const client = new pg.Client({ connectionString: urlFor("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
  };
}
