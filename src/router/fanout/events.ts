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

/** An administrator's action that every replica must apply. */
export type AdminEvent =
  /** Drain a node: it finishes its work and gets nothing new (applied by the replica holding it). */
  | { type: "drain"; nodeId: string }
  /** Cut a node's stream (applied by the replica holding it). */
  | { type: "disconnect"; nodeId: string }
  /** Stop or restart taking new jobs, on every replica. */
  | { type: "pause"; paused: boolean; reason: string }
  /** A new routing configuration version is in force; replicas load it. */
  | { type: "config"; version: number };

/** The channel that carries admin events to every replica, the publisher included. */
export interface AdminEvents {
  publishAdmin(event: AdminEvent): void;
  subscribeAdmin(handler: (event: AdminEvent) => void): Subscription;
}
