import type { NodeRecord } from "../directory/directory.js";

/** Weights of the three score terms. The defaults are 0.5 / 0.3 / 0.2. */
export interface RoutingWeights {
  capability: number;
  load: number;
  random: number;
}

export const DEFAULT_WEIGHTS: Readonly<RoutingWeights> = Object.freeze({
  capability: 0.5,
  load: 0.3,
  random: 0.2,
});

/** What a job asks of a node. `capability` and `model` are hard requirements; the rest are preferences. */
export interface Requirement {
  capability: string;
  /** When set, only nodes serving this model qualify. */
  model?: string;
  /** Preferred language; a node that lists languages without it loses one attribute. */
  language?: string;
  /** Preferred labels; each one a node lacks loses one attribute. */
  preferLabels?: Readonly<Record<string, string>>;
  /** When true, only nodes that declare the capability splittable qualify (the job was split). */
  splittable?: boolean;
}

/** The node's shape as scoring sees it. */
export type ScoredNode = Pick<
  NodeRecord,
  | "id"
  | "capabilities"
  | "splittable"
  | "models"
  | "languages"
  | "labels"
  | "inFlight"
  | "maxConcurrency"
  | "draining"
>;

/** True when the node could ever serve the requirement (ignoring its current load). */
export function isCapable(node: ScoredNode, req: Requirement): boolean {
  if (!node.capabilities.includes(req.capability)) return false;
  if (req.model && !node.models.includes(req.model)) return false;
  if (req.splittable && !node.splittable.includes(req.capability)) return false;
  return true;
}

/** True when the node may be given the work now: capable, not draining, below its concurrency. */
export function isAvailable(node: ScoredNode, req: Requirement): boolean {
  return isCapable(node, req) && !node.draining && node.inFlight < node.maxConcurrency;
}

/**
 * Capability match in 0..1: the share of requested attributes (capability, model, language, each
 * preferred label) the node satisfies. A node listing no languages is taken to accept any.
 */
export function capabilityMatch(node: ScoredNode, req: Requirement): number {
  let requested = 1;
  let matched = node.capabilities.includes(req.capability) ? 1 : 0;
  if (req.model) {
    requested += 1;
    if (node.models.includes(req.model)) matched += 1;
  }
  if (req.language) {
    requested += 1;
    if (node.languages.length === 0 || node.languages.includes(req.language)) matched += 1;
  }
  for (const [key, value] of Object.entries(req.preferLabels ?? {})) {
    requested += 1;
    if (node.labels[key] === value) matched += 1;
  }
  return matched / requested;
}

/** Load in 0..1: in-flight ÷ max concurrency. */
export function loadOf(node: ScoredNode): number {
  return node.maxConcurrency > 0 ? Math.min(1, node.inFlight / node.maxConcurrency) : 1;
}

/** score = w.capability · match + w.load · (1 − load) + w.random · random, with random in [0, 1). */
export function scoreNode(
  node: ScoredNode,
  req: Requirement,
  weights: RoutingWeights,
  random: number,
): number {
  return (
    weights.capability * capabilityMatch(node, req) +
    weights.load * (1 - loadOf(node)) +
    weights.random * random
  );
}

/**
 * Picks the highest-scoring available node, skipping `exclude`. Returns undefined when none is
 * available. `random` supplies the random term, one draw per candidate.
 */
export function pickNode<T extends ScoredNode>(
  nodes: Iterable<T>,
  req: Requirement,
  weights: RoutingWeights,
  random: () => number,
  exclude?: ReadonlySet<string>,
): T | undefined {
  let best: T | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const node of nodes) {
    if (exclude?.has(node.id) || !isAvailable(node, req)) continue;
    const score = scoreNode(node, req, weights, random());
    if (score > bestScore) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}
