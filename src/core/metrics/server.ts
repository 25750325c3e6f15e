import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** Default port of a metrics endpoint (the one OpenTelemetry's Prometheus exporter uses). */
export const DEFAULT_METRICS_PORT = 9464;

export interface MetricsServerOptions {
  /** Address to bind. Default "127.0.0.1". */
  host?: string;
  /** Port; 0 picks a free one. Default 9464. */
  port?: number;
}

/**
 * A minimal HTTP server for a registry: `GET /metrics` (and HEAD) answers the Prometheus text format,
 * every other path 404 and other methods on /metrics 405. Start with `MetricsServer.start()`, stop with
 * `close()`.
 */
export class MetricsServer {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Binds the server; rejects (EADDRINUSE, say) when it cannot listen. */
  static async start(registry: Registry, options: MetricsServerOptions = {}): Promise<MetricsServer> {
    const host = options.host ?? "127.0.0.1";
    const port = options.port ?? DEFAULT_METRICS_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`MetricsServerOptions.port must be 0 to 65535, got ${port}`);
    }
    const server = createServer((req, res) => {
      serve(registry, req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("metrics collection failed\n");
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return new MetricsServer(server, host, (server.address() as AddressInfo).port);
  }

  /** The scrape URL. */
  get url(): string {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}/metrics`;
  }

  /** Stops listening and closes every connection (a scraper keeps its own open). Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }
}

async function serve(registry: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?", 1)[0];
  if (path !== "/metrics") {
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("not found\n");
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
    res.end("method not allowed\n");
    return;
  }
  const body = await registry.metrics();
  res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : body);
}
