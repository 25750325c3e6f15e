import { status as Status } from "@grpc/grpc-js";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { BoundedLabel, OVERFLOW_LABEL } from "../../core/metrics/labels.js";
import { DURATION_BUCKETS, seconds } from "../../core/metrics/registry.js";
import type { GrpcCall, GrpcCallEnded, GrpcCallObserver } from "./grpc-calls.js";

/** "OK", "UNAVAILABLE", …: the name of a gRPC status code. */
export function statusName(code: number): string {
  return Status[code] ?? "UNKNOWN";
}

/**
 * gRPC calls as Prometheus metrics: calls by service, method and status; the duration of unary and
 * server-streaming calls; calls open now (for the bidirectional node streams, the streams connected).
 */
export class GrpcMetrics implements GrpcCallObserver {
  private readonly requests: Counter<"service" | "method" | "code">;
  private readonly duration: Histogram<"service" | "method">;
  private readonly open: Gauge<"service" | "method">;
  // Paths come from the registered services only; this is a second guard.
  private readonly methods = new BoundedLabel(200);

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: "switchyard_grpc_requests_total",
      help: "gRPC calls ended, by service, method and status code (node streams count when they end).",
      labelNames: ["service", "method", "code"],
      registers,
    });
    this.duration = new Histogram({
      name: "switchyard_grpc_request_duration_seconds",
      help: "Duration of unary and server-streaming gRPC calls, start to status.",
      labelNames: ["service", "method"],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.open = new Gauge({
      name: "switchyard_grpc_requests_in_flight",
      help: "gRPC calls running now; for NodeService/Connect, the node streams open.",
      labelNames: ["service", "method"],
      registers,
    });
  }

  private labels(call: GrpcCall): { service: string; method: string } {
    const key = `${call.service}/${call.method}`;
    return this.methods.of(key) === key
      ? { service: call.service, method: call.method }
      : { service: OVERFLOW_LABEL, method: OVERFLOW_LABEL };
  }

  callStarted(call: GrpcCall): void {
    this.open.inc(this.labels(call));
  }

  callEnded(call: GrpcCallEnded): void {
    const labels = this.labels(call);
    this.open.dec(labels);
    this.requests.inc({ ...labels, code: statusName(call.code) });
    if (call.kind === "unary" || call.kind === "server_stream") {
      this.duration.observe(labels, seconds(call.durationMs));
    }
  }
}
