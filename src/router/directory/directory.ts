/** What the router knows about one connected node. */
export interface NodeRecord {
  /** Stable id derived from (operator, name). */
  id: string;
  name: string;
  /** Operator account that the node's earnings go to. */
  operator: string;
  capabilities: string[];
  languages: string[];
  models: string[];
  /** Capabilities whose content may be split into chunks. */
  splittable: string[];
  maxConcurrency: number;
  /** Tasks assigned and not yet answered. */
  inFlight: number;
  /** A draining node finishes its work and gets nothing new. */
  draining: boolean;
  labels: Record<string, string>;
  sdkVersion: string;
  /** Replica holding the node's stream. */
  routerId: string;
  connectedAtMs: number;
  lastSeenAtMs: number;
}

/**
 * The node directory: every replica's view of the nodes online. Reads are synchronous and served from
 * the replica's local view, so a routing decision makes no network round trip; writes are propagated by
 * the implementation (in memory, or Redis plus NATS events in a cluster).
 */
export interface NodeDirectory {
  /** Adds or replaces a node's record. */
  upsert(record: NodeRecord): Promise<void>;
  /** Records a node's load and draining flag. Cheap; called on every assignment and result. */
  reportLoad(id: string, inFlight: number, draining: boolean): void;
  /** The node is alive (it sent a heartbeat): its record's expiry starts again. */
  touch(id: string): void;
  /** Removes a node at once (clean disconnect). */
  remove(id: string): Promise<void>;
  get(id: string): NodeRecord | undefined;
  /** Every node in the local view. Callers must not mutate the records. */
  list(): readonly NodeRecord[];
  /** Nodes that advertise a capability. Callers must not mutate the records. */
  withCapability(capability: string): readonly NodeRecord[];
  close(): Promise<void>;
}
