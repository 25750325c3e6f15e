import type { DirectoryEvent } from "../fanout/events.js";
import type { NodeRecord } from "./directory.js";
import { mergeSnapshot, type RemoteEntry, type StaleRecord } from "./merge.js";
import { isNodeRecord } from "./record-codec.js";
import { DirectoryView } from "./view.js";

/** A node whose stream this replica holds. `record` is the object the node's stream updates. */
export interface LocalNode {
  record: NodeRecord;
  /** This replica's clock of the last load change; strictly increasing per node. */
  loadAtMs: number;
  /** When the node last proved alive (registration or heartbeat). */
  touchedAtMs: number;
  /** The load last announced to the other replicas. */
  published: { inFlight: number; draining: boolean };
  /** A write of its record is in flight. */
  writing: boolean;
}

/** What a snapshot showed needs fixing in Redis. */
export interface SnapshotRepairs {
  /** Held nodes that Redis does not have (expired, or lost with a Redis restart). */
  missingLocal: LocalNode[];
  /** Records naming this replica that it does not hold (a failed delete, or an earlier run). */
  staleOwn: StaleRecord[];
  invalid: number;
}

/**
 * The in-memory state behind a replica's directory reads, without any I/O: the nodes held here
 * (authoritative, always visible), the nodes held elsewhere (from events and snapshots), and the
 * merged, capability-indexed view of both. A node held here shadows another replica's record of it.
 */
export class ReplicaView {
  private readonly held = new Map<string, LocalNode>();
  private remote = new Map<string, RemoteEntry>();
  private readonly view = new DirectoryView();
  /** When an up or down event last changed a node (this replica's clock). */
  private readonly changedAt = new Map<string, number>();

  /**
   * `eventGraceMs`: a node changed by an up/down event this long before a snapshot started keeps
   * the event's state over the snapshot's (covers a delete still on its way to Redis).
   */
  constructor(
    private readonly selfRouterId: string,
    private readonly eventGraceMs: number,
  ) {}

  get(id: string): NodeRecord | undefined {
    return this.view.get(id);
  }

  list(): readonly NodeRecord[] {
    return this.view.list();
  }

  withCapability(capability: string): readonly NodeRecord[] {
    return this.view.withCapability(capability);
  }

  /** The node held here with this id. */
  local(id: string): LocalNode | undefined {
    return this.held.get(id);
  }

  /** Every node held here. */
  locals(): LocalNode[] {
    return [...this.held.values()];
  }

  /** Starts (or replaces) holding a node; this very record object enters the view. */
  hold(record: NodeRecord, nowMs = Date.now()): LocalNode {
    const previous = this.held.get(record.id);
    const node: LocalNode = {
      record,
      loadAtMs: Math.max(nowMs, (previous?.loadAtMs ?? 0) + 1),
      touchedAtMs: nowMs,
      published: { inFlight: record.inFlight, draining: record.draining },
      writing: false,
    };
    this.held.set(record.id, node);
    this.refresh(record.id);
    return node;
  }

  /** Sets a held node's load and stamps it; false when the node is not held here. */
  setLoad(id: string, inFlight: number, draining: boolean, nowMs = Date.now()): boolean {
    const node = this.held.get(id);
    if (!node) return false;
    node.record.inFlight = inFlight;
    node.record.draining = draining;
    node.loadAtMs = Math.max(nowMs, node.loadAtMs + 1);
    return true;
  }

  /**
   * The load event announcing a held node's current load, or undefined when the node is not held or
   * its load is what was last announced. Marks the load announced.
   */
  takeLoadEvent(id: string): DirectoryEvent | undefined {
    const node = this.held.get(id);
    if (!node) return undefined;
    const { inFlight, draining } = node.record;
    if (inFlight === node.published.inFlight && draining === node.published.draining) return undefined;
    node.published = { inFlight, draining };
    return { type: "load", id, inFlight, draining, atMs: node.loadAtMs };
  }

  /** Stops holding a node; another replica's record of it, if known, shows through. */
  release(id: string): LocalNode | undefined {
    const node = this.held.get(id);
    if (!node) return undefined;
    this.held.delete(id);
    this.refresh(id);
    return node;
  }

  /**
   * Applies another replica's event. Events about nodes held here, own events, down events from a
   * replica that no longer holds the node, load events older than what is known, and malformed
   * events are ignored.
   */
  hear(event: DirectoryEvent, nowMs = Date.now()): void {
    if (event.type === "up") {
      const record = event.record;
      if (!isNodeRecord(record) || record.routerId === this.selfRouterId) return;
      this.changedAt.set(record.id, nowMs);
      this.remote.set(record.id, { record: { ...record }, loadAtMs: record.lastSeenAtMs });
      this.refresh(record.id);
    } else if (event.type === "down") {
      if (event.routerId === this.selfRouterId) return;
      const entry = this.remote.get(event.id);
      if (entry && entry.record.routerId !== event.routerId) return; // it moved to another replica
      this.changedAt.set(event.id, nowMs);
      if (!entry) return;
      this.remote.delete(event.id);
      this.refresh(event.id);
    } else if (event.type === "load") {
      const entry = this.remote.get(event.id);
      if (!entry || typeof event.inFlight !== "number" || !(event.atMs > entry.loadAtMs)) return;
      entry.record.inFlight = event.inFlight;
      entry.record.draining = event.draining === true;
      entry.loadAtMs = event.atMs;
    }
  }

  /**
   * Replaces the records held elsewhere with `snapshot` (node id to stored value), taken starting at
   * `startedAtMs`, by the rules of `mergeSnapshot`. Returns what Redis needs repaired.
   */
  applySnapshot(snapshot: ReadonlyMap<string, string>, startedAtMs: number): SnapshotRepairs {
    const since = startedAtMs - this.eventGraceMs;
    const recentlyChanged = new Set<string>();
    for (const [id, at] of this.changedAt) {
      if (at >= since) recentlyChanged.add(id);
      else this.changedAt.delete(id);
    }
    const merged = mergeSnapshot({
      selfRouterId: this.selfRouterId,
      current: this.remote,
      snapshot,
      local: this.held,
      recentlyChanged,
    });
    const before = this.remote;
    this.remote = merged.remote;
    for (const id of before.keys()) if (!merged.remote.has(id)) this.refresh(id);
    for (const [id, entry] of merged.remote) if (before.get(id) !== entry) this.refresh(id);
    return {
      missingLocal: merged.missingLocal.flatMap((id) => this.held.get(id) ?? []),
      staleOwn: merged.staleOwn,
      invalid: merged.invalid,
    };
  }

  /** Forgets everything. */
  clear(): void {
    this.held.clear();
    this.remote.clear();
    this.changedAt.clear();
    this.view.clear();
  }

  private refresh(id: string): void {
    const record = this.held.get(id)?.record ?? this.remote.get(id)?.record;
    if (record) this.view.set(record);
    else this.view.delete(id);
  }
}
