import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../helpers/services.js";

/** One scrape job: a name and the host:port targets serving /metrics. */
export interface ScrapeJob {
  name: string;
  targets: string[];
}

/** One sample of an instant vector from Prometheus's query API. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/**
 * A private Prometheus server (the `prometheus` binary) on a free loopback port, scraping the given
 * targets every second, with its storage in a temporary directory that stop() removes.
 */
export class PrometheusServer {
  private output = "";

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-4_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
  }

  static async start(jobs: ScrapeJob[]): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), "sy-prometheus-"));
    const config = [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "scrape_configs:",
      ...jobs.flatMap((job) => [
        `  - job_name: ${JSON.stringify(job.name)}`,
        "    static_configs:",
        `      - targets: ${JSON.stringify(job.targets)}`,
      ]),
      "",
    ].join("\n");
    writeFileSync(join(dir, "prometheus.yml"), config);
    const port = await freePort();
    const child = spawn(
      "prometheus",
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const server = new PrometheusServer(child, dir, port);
    try {
      await server.waitReady();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async waitReady(timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) {
        throw new Error(`prometheus exited with ${this.child.exitCode}: ${this.output}`);
      }
      const ready = await fetch(`${this.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      if (Date.now() > until) throw new Error(`prometheus not ready after ${timeoutMs} ms: ${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Runs an instant query; throws when Prometheus answers an error. */
  async query(promql: string): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    if (body.status !== "success") throw new Error(`query ${promql} failed: ${body.error}`);
    return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Stops the server (SIGTERM, SIGKILL after 3 s) and removes its directory. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
