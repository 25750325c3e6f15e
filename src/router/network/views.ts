import type { GetStatusResponse, ModelInfo, NodeInfo } from "../../gen/switchyard/v1/network.js";
import type { NodeRecord } from "../directory/directory.js";
import { loadOf } from "../scoring/score.js";
import type { JobWindowSummary, NodeSummary } from "../stats/job-stats.js";

/** The virtual model that means "any node with the chat capability". */
export const AUTO_MODEL = "switchyard/auto";

/** Models online now, with how many nodes serve each; AUTO_MODEL when any chat node is online. */
export function listModels(nodes: readonly NodeRecord[]): ModelInfo[] {
  const models = new Map<string, ModelInfo>();
  let chatNodes = 0;
  let firstChat = Number.POSITIVE_INFINITY;
  for (const node of nodes) {
    if (node.capabilities.includes("chat")) {
      chatNodes += 1;
      firstChat = Math.min(firstChat, node.connectedAtMs);
    }
    for (const id of node.models) {
      const known = models.get(id);
      if (known) {
        known.nodes += 1;
        known.createdUnixMs = Math.min(known.createdUnixMs, node.connectedAtMs);
      } else {
        models.set(id, { id, nodes: 1, createdUnixMs: node.connectedAtMs });
      }
    }
  }
  if (chatNodes > 0 && !models.has(AUTO_MODEL)) {
    models.set(AUTO_MODEL, { id: AUTO_MODEL, nodes: chatNodes, createdUnixMs: firstChat });
  }
  return [...models.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Nodes online, optionally only those with a capability and/or model. */
export function listNodes(
  nodes: readonly NodeRecord[],
  filter: { capability?: string; model?: string } = {},
  statsOf: (nodeId: string) => NodeSummary = () => ({ succeeded: 0, failed: 0, p50Ms: 0 }),
): NodeInfo[] {
  return nodes
    .filter((n) => !filter.capability || n.capabilities.includes(filter.capability))
    .filter((n) => !filter.model || n.models.includes(filter.model))
    .map((n) => {
      const stats = statsOf(n.id);
      return {
        nodeId: n.id,
        name: n.name,
        capabilities: n.capabilities,
        languages: n.languages,
        models: n.models,
        maxConcurrency: n.maxConcurrency,
        inFlight: n.inFlight,
        load: loadOf(n),
        draining: n.draining,
        labels: n.labels,
        routerId: n.routerId,
        connectedUnixMs: n.connectedAtMs,
        tasksSucceeded: stats.succeeded,
        tasksFailed: stats.failed,
        latencyP50Ms: stats.p50Ms,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Nodes online, capabilities with node counts and prices, models, and jobs over the last 24 hours. */
export function networkStatus(
  nodes: readonly NodeRecord[],
  jobs: JobWindowSummary,
  priceOf: (capability: string) => number,
): GetStatusResponse {
  const byCapability = new Map<string, number>();
  for (const node of nodes) {
    for (const c of node.capabilities) byCapability.set(c, (byCapability.get(c) ?? 0) + 1);
  }
  return {
    nodesOnline: nodes.length,
    capabilities: [...byCapability.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([capability, count]) => ({ capability, nodes: count, price: priceOf(capability) })),
    models: listModels(nodes).map((m) => m.id),
    jobs24h: jobs.jobs,
    failureRate24h: jobs.failureRate,
    latencyP50Ms: jobs.p50Ms,
    latencyP99Ms: jobs.p99Ms,
  };
}
