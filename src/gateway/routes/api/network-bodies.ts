import type { NetworkStatus, NodeEntry } from "../../../client/types.js";
import { isoTime } from "./bodies.js";

/*
 * Response bodies of the network routes: the router's values in snake_case JSON, times as ISO 8601.
 * Every field is copied by name, so nothing the router adds later leaks out unnoticed.
 */

/** One capability online: how many nodes serve it and its price per chunk in credits. */
export interface CapabilityBody {
  capability: string;
  nodes: number;
  price: number;
}

/** The answer to `GET /api/v1/status`. */
export interface StatusBody {
  nodes_online: number;
  /** Sorted by capability. */
  capabilities: CapabilityBody[];
  /** Model ids online, sorted. */
  models: string[];
  /** Price per chunk by capability (the same figures as `capabilities`). */
  pricing: Record<string, number>;
  /** Jobs finished over the last 24 hours, as seen by the router that answered. */
  jobs_24h: number;
  /** Share of those jobs that failed, from 0 to 1. */
  failure_rate_24h: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  /** When the figures were read from the router. */
  generated_at: string;
}

/** One online node, as listed by `GET /api/v1/nodes`. */
export interface NodeBody {
  node_id: string;
  name: string;
  capabilities: string[];
  languages: string[];
  models: string[];
  max_concurrency: number;
  in_flight: number;
  /** in_flight / max_concurrency, from 0 to 1. */
  load: number;
  draining: boolean;
  labels: Record<string, string>;
  /** The router replica holding the node's stream. */
  router_id: string;
  connected_at: string;
  tasks_succeeded: number;
  tasks_failed: number;
  /** tasks_succeeded / (tasks_succeeded + tasks_failed); null before the node's first task. */
  success_rate: number | null;
  latency_p50_ms: number;
}

/** The body for the network's status, read from the router at `generatedAtMs`. */
export function toStatusBody(status: NetworkStatus, generatedAtMs: number): StatusBody {
  const capabilities = status.capabilities.map((c) => ({
    capability: c.capability,
    nodes: c.nodes,
    price: c.price,
  }));
  return {
    nodes_online: status.nodesOnline,
    capabilities,
    models: [...status.models],
    // Object.fromEntries defines own properties, so a capability named "__proto__" stays a plain key.
    pricing: Object.fromEntries(capabilities.map((c) => [c.capability, c.price])),
    jobs_24h: status.jobs24h,
    failure_rate_24h: status.failureRate24h,
    latency_p50_ms: status.latencyP50Ms,
    latency_p99_ms: status.latencyP99Ms,
    generated_at: isoTime(generatedAtMs),
  };
}

/** The share of a node's tasks that succeeded; null when it has run none. */
export function successRate(succeeded: number, failed: number): number | null {
  const total = succeeded + failed;
  return total > 0 ? succeeded / total : null;
}

/** The body for one node. */
export function toNodeBody(node: NodeEntry): NodeBody {
  return {
    node_id: node.nodeId,
    name: node.name,
    capabilities: [...node.capabilities],
    languages: [...node.languages],
    models: [...node.models],
    max_concurrency: node.maxConcurrency,
    in_flight: node.inFlight,
    load: node.load,
    draining: node.draining,
    labels: Object.fromEntries(Object.entries(node.labels)),
    router_id: node.routerId,
    connected_at: isoTime(node.connectedUnixMs),
    tasks_succeeded: node.tasksSucceeded,
    tasks_failed: node.tasksFailed,
    success_rate: successRate(node.tasksSucceeded, node.tasksFailed),
    latency_p50_ms: node.latencyP50Ms,
  };
}

/** The body for `GET /api/v1/nodes`. */
export function toNodeListBody(nodes: readonly NodeEntry[]): { nodes: NodeBody[] } {
  return { nodes: nodes.map(toNodeBody) };
}
