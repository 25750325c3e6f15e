import type { NodeRecord } from "./directory.js";

/** A well-formed node record for tests; `overrides` replace any field. */
export function nodeRecord(id: string, routerId: string, overrides: Partial<NodeRecord> = {}): NodeRecord {
  const now = Date.now();
  return {
    id,
    name: `name-${id}`,
    operator: "acct_test",
    capabilities: ["echo"],
    languages: ["en"],
    models: [],
    splittable: [],
    maxConcurrency: 4,
    inFlight: 0,
    draining: false,
    labels: { zone: "test" },
    sdkVersion: "0.1.0",
    routerId,
    connectedAtMs: now,
    lastSeenAtMs: now,
    ...overrides,
  };
}
