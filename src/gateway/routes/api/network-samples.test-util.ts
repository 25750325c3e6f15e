import type { NetworkStatus, NodeEntry } from "../../../client/types.js";

/** A network status as the router reports it, for route and body tests. */
export const sampleStatus: NetworkStatus = {
  nodesOnline: 2,
  capabilities: [
    { capability: "echo", nodes: 2, price: 10 },
    { capability: "upper", nodes: 1, price: 25 },
  ],
  models: ["switchyard/demo"],
  jobs24h: 40,
  failureRate24h: 0.025,
  latencyP50Ms: 12,
  latencyP99Ms: 180,
};

/** One online node as the router reports it, for route and body tests. */
export const sampleNode: NodeEntry = {
  nodeId: "node-1",
  name: "gpu-a",
  capabilities: ["echo", "upper"],
  languages: ["en"],
  models: ["switchyard/demo"],
  maxConcurrency: 8,
  inFlight: 2,
  load: 0.25,
  draining: false,
  labels: { region: "eu" },
  routerId: "router-1",
  connectedUnixMs: Date.UTC(2025, 0, 2, 3, 4, 5),
  tasksSucceeded: 9,
  tasksFailed: 1,
  latencyP50Ms: 30,
};
