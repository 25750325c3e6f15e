import type { NodeRecord } from "./directory.js";
import { decodeStored } from "./record-codec.js";

/** A record held by another replica, as this replica knows it. */
export interface RemoteEntry {
  record: NodeRecord;
  /** Owner's clock of the record's inFlight / draining. */
  loadAtMs: number;
  /** The Redis value it was decoded from; undefined when it came from an event. */
  raw?: string;
}

/** A record in Redis that names this replica as its holder although this replica does not hold it. */
export interface StaleRecord {
  id: string;
  connectedAtMs: number;
}

export interface SnapshotMerge {
  /** This replica's id. */
  selfRouterId: string;
  /** The remote entries before the resync. */
  current: ReadonlyMap<string, RemoteEntry>;
  /** What Redis holds: node id to stored value. */
  snapshot: ReadonlyMap<string, string>;
  /** Nodes this replica holds (their records are authoritative here and never come from Redis). */
  local: ReadonlySet<string> | ReadonlyMap<string, unknown>;
  /** Nodes an up or down event changed since shortly before the snapshot was taken: the event wins. */
  recentlyChanged: ReadonlySet<string>;
}

export interface SnapshotMergeResult {
  /** The new remote entries. An entry whose value did not change is the same object as before. */
  remote: Map<string, RemoteEntry>;
  /** Nodes held here that Redis does not have (expired, or lost with a Redis restart). */
  missingLocal: string[];
  /** Records naming this replica that it does not hold (a failed delete, or an earlier run). */
  staleOwn: StaleRecord[];
  /** Values that could not be decoded; they are left out. */
  invalid: number;
}

/**
 * Replaces the remote part of a replica's view with what Redis holds. Pure. Rules:
 * - a value unchanged since the last resync keeps its entry (and the load that events put in it);
 * - a node changed by a recent up/down event keeps the state the event gave it, present or absent;
 * - for the same registration (same holder and connectedAtMs), load heard in events that is newer
 *   than the stored copy's `loadAtMs` wins over the stored inFlight/draining;
 * - records naming this replica never enter the remote view: the ones it holds are local, the others
 *   are stale and reported for deletion;
 * - entries Redis no longer has disappear (their holder stopped refreshing them and they expired).
 */
export function mergeSnapshot(input: SnapshotMerge): SnapshotMergeResult {
  const { selfRouterId, current, snapshot, local, recentlyChanged } = input;
  const remote = new Map<string, RemoteEntry>();
  const staleOwn: StaleRecord[] = [];
  let invalid = 0;
  for (const [id, raw] of snapshot) {
    if (recentlyChanged.has(id)) continue;
    const before = current.get(id);
    if (before && before.raw === raw) {
      remote.set(id, before);
      continue;
    }
    const stored = decodeStored(raw);
    if (!stored || stored.record.id !== id) {
      invalid += 1;
      continue;
    }
    const { record } = stored;
    if (record.routerId === selfRouterId) {
      if (!local.has(id)) staleOwn.push({ id, connectedAtMs: record.connectedAtMs });
      continue;
    }
    const entry: RemoteEntry = { record, loadAtMs: stored.loadAtMs, raw };
    if (before && sameRegistration(before.record, record) && before.loadAtMs > stored.loadAtMs) {
      record.inFlight = before.record.inFlight;
      record.draining = before.record.draining;
      entry.loadAtMs = before.loadAtMs;
    }
    remote.set(id, entry);
  }
  for (const id of recentlyChanged) {
    const before = current.get(id);
    if (before) remote.set(id, before);
  }
  const missingLocal: string[] = [];
  for (const id of local.keys()) if (!snapshot.has(id)) missingLocal.push(id);
  return { remote, missingLocal, staleOwn, invalid };
}

/** True when both records describe the same registration of a node. */
export function sameRegistration(a: NodeRecord, b: NodeRecord): boolean {
  return a.id === b.id && a.routerId === b.routerId && a.connectedAtMs === b.connectedAtMs;
}
