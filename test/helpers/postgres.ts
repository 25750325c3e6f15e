import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./services.js";

/**
 * A private PostgreSQL server for integration tests: each test file starts its own `postgres` on a
 * free loopback port (fsync off, trust auth) from a fresh copy of an initdb data directory, and each
 * test takes a fresh database from it. As root, the server runs as the `postgres` OS user, because PostgreSQL
 * refuses to run as root. Without the binaries the suite is skipped locally; under CI=true a missing
 * binary fails the run instead.
 */

const ROOT = "/usr/lib/postgresql";

/** Directory of the newest installed PostgreSQL's binaries, if any. */
function binDir(): string | undefined {
  if (!existsSync(ROOT)) return undefined;
  const versions = readdirSync(ROOT)
    .filter((v) => existsSync(join(ROOT, v, "bin", "initdb")) && existsSync(join(ROOT, v, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(ROOT, versions[0], "bin");
}

/** True when initdb and postgres can run here. Under CI=true, throws instead of returning false. */
export function postgresAvailable(): boolean {
  const found = binDir() !== undefined;
  if (!found && process.env.CI === "true") {
    throw new Error(`PostgreSQL server binaries are required under CI=true but none were found in ${ROOT}`);
  }
  return found;
}

/** The uid/gid to run the server as: the `postgres` user when we are root, else ourselves. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error("running as root, and there is no postgres user to run the test server as");
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * A data directory fresh from initdb, made once per PostgreSQL version and kept in the temp directory;
 * each server starts from a copy of it (a copy takes a fraction of initdb's time).
 */
function initdbTemplate(
  bin: string,
  asUser: { cwd: string; uid?: number; gid?: number; env: NodeJS.ProcessEnv },
): string {
  const template = join(
    tmpdir(),
    `switchyard-pg-initdb-${bin.split("/").at(-2) ?? "x"}-${asUser.uid ?? "self"}`,
  );
  if (existsSync(join(template, "PG_VERSION"))) return template;
  const partial = `${template}.${process.pid}.tmp`;
  rmSync(partial, { recursive: true, force: true });
  const init = spawnSync(
    join(bin, "initdb"),
    ["-D", partial, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
    { ...asUser, encoding: "utf8" },
  );
  if (init.status !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }
  try {
    renameSync(partial, template);
  } catch {
    // Another test file finished first: use its template.
    rmSync(partial, { recursive: true, force: true });
  }
  return template;
}

async function waitUntilReady(
  url: string,
  child: ChildProcess,
  log: () => string,
  timeoutMs = 20_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (err) {
      if (Date.now() > until)
        throw new Error(`postgres not ready after ${timeoutMs} ms: ${String(err)} ${log()}`);
    } finally {
      await client.end().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class PostgresServer {
  private databases = 0;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** initdb + postgres on a free port; resolves once it accepts connections. */
  static async start(): Promise<PostgresServer> {
    const bin = binDir();
    if (!bin) throw new Error(`no PostgreSQL binaries in ${ROOT}`);
    const user = serverUser();
    const dir = mkdtempSync(join(tmpdir(), "sy-pg-"));
    if (user) chownSync(dir, user.uid, user.gid);
    const data = join(dir, "data");
    const asUser = { cwd: dir, ...(user ?? {}), env: { ...process.env, LC_ALL: "C" } };
    try {
      const template = initdbTemplate(bin, asUser);
      const copy = spawnSync("cp", ["-a", template, data], { encoding: "utf8" });
      if (copy.status !== 0) throw new Error(`copying the initdb template failed: ${copy.stderr}`);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const port = await freePort();
    const child = spawn(
      join(bin, "postgres"),
      [
        ...["-D", data, "-p", String(port), "-k", dir],
        ...["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"],
        ...["-c", "synchronous_commit=off", "-c", "wal_level=minimal", "-c", "max_wal_senders=0"],
        ...["-c", "max_connections=200"],
      ],
      { ...asUser, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    });
    const server = new PostgresServer(child, dir, port);
    try {
      await waitUntilReady(server.urlFor("postgres"), child, () => stderr);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** URL of the server's `postgres` database. */
  get url(): string {
    return this.urlFor("postgres");
  }

  urlFor(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /**
   * Creates a database with a fresh name and returns its URL: empty, or a copy of `template` (a
   * database of this server that nobody is connected to).
   */
  async createDatabase(options: { template?: string; name?: string } = {}): Promise<string> {
    const name = options.name ?? `t_${++this.databases}_${randomBytes(4).toString("hex")}`;
    if (
      !/^[a-z_][a-z0-9_]*$/.test(name) ||
      (options.template && !/^[a-z_][a-z0-9_]*$/.test(options.template))
    ) {
      throw new Error("database names must be lower-case identifiers");
    }
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}${options.template ? ` TEMPLATE ${options.template}` : ""}`);
    } finally {
      await client.end();
    }
    return this.urlFor(name);
  }

  /** Fast shutdown (clients are disconnected), then removes the data directory. Idempotent. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
