import type { FastifyInstance } from "fastify";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { methodLabel, statusClass } from "../../core/metrics/labels.js";
import { createMetricsRegistry, DURATION_BUCKETS, seconds } from "../../core/metrics/registry.js";

/** The route label of a request that matched no route (a 404). */
export const UNMATCHED_ROUTE = "unmatched";

/** Path of the gateway's Prometheus endpoint. */
export const METRICS_PATH = "/metrics";

export interface GatewayMetricsOptions {
  /** Registry to register into. Default a new one of its own. */
  registry?: Registry;
  /** With a new registry: also export the default process metrics. Default true. */
  processMetrics?: boolean;
}

/** What the open-streams gauge reads: the gateway's registry of open streaming responses. */
export interface OpenStreams {
  readonly size: number;
}

/**
 * The gateway's HTTP metrics: requests by route pattern (never the raw URL; "unmatched" for a 404),
 * method and status class, their duration, and the streaming (SSE) responses open now. One instance per
 * gateway: give it to `buildGateway({ metrics })`, which installs it and serves `GET /metrics`.
 */
export class GatewayMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<"route" | "method" | "status_code">;
  private readonly duration: Histogram<"route" | "method">;
  private streams: OpenStreams | undefined;
  private installed = false;

  constructor(options: GatewayMetricsOptions = {}) {
    this.registry =
      options.registry ?? createMetricsRegistry({ processMetrics: options.processMetrics ?? true });
    const registers = [this.registry];
    this.requests = new Counter({
      name: "switchyard_http_requests_total",
      help: 'HTTP requests answered, by route pattern ("unmatched" for none), method and status class (2xx, 4xx, …; "aborted" when the client left before the status was sent).',
      labelNames: ["route", "method", "status_code"],
      registers,
    });
    this.duration = new Histogram({
      name: "switchyard_http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its response (the whole stream, for SSE).",
      labelNames: ["route", "method"],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    const metrics = this;
    new Gauge({
      name: "switchyard_http_streams_open",
      help: "Streaming (SSE) responses open now.",
      registers,
      collect() {
        this.set(metrics.streams?.size ?? 0);
      },
    });
  }

  /**
   * Counts every request of `app` (streamed and hijacked responses too: it waits for the response's
   * 'close') and serves the registry at `GET /metrics`, without authentication. Call before the routes
   * are registered, and before any hook that may end a request early.
   */
  install(app: FastifyInstance, streams?: OpenStreams): void {
    if (this.installed) throw new Error("GatewayMetrics is already installed on a gateway");
    this.installed = true;
    this.streams = streams;
    app.addHook("onRequest", async (request, reply) => {
      const started = performance.now();
      const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
      const method = methodLabel(request.method);
      const res = reply.raw;
      res.once("close", () => {
        const status = res.headersSent ? statusClass(res.statusCode) : "aborted";
        this.requests.inc({ route, method, status_code: status });
        this.duration.observe({ route, method }, seconds(performance.now() - started));
      });
    });
    // Scrapes come every few seconds: keep them out of the info-level request log.
    app.get(METRICS_PATH, { logLevel: "warn" }, async (_request, reply) => {
      const body = await this.registry.metrics();
      return reply
        .header("content-type", this.registry.contentType)
        .header("cache-control", "no-store")
        .send(body);
    });
  }
}
