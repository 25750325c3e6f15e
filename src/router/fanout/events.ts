import type { NodeRecord } from "../directory/directory.js";

/** A change to the node directory, heard by every replica. */
export type DirectoryEvent =
  /** A node registered (or re-registered) with the replica `record.routerId`. */
  | { type: "up"; record: NodeRecord }
  /** A node left cleanly. */
  | { type: "down"; id: string; routerId: string }
  /** A node's load or draining flag changed. */
  | { type: "load"; id: string; inFlight: number; draining: boolean; atMs: number };

/** A live subscription; `unsubscribe()` is idempotent. */
export interface Subscription {
  unsubscribe(): void;
}

/**
 * The directory's channel to the other replicas. Events published here reach every replica,
 * including the publisher (which must tolerate hearing its own events).
 */
export interface DirectoryEvents {
  publish(event: DirectoryEvent): void;
  subscribe(handler: (event: DirectoryEvent) => void): Subscription;
}
