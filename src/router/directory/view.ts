import type { NodeRecord } from "./directory.js";

const EMPTY: readonly NodeRecord[] = Object.freeze([]);

/**
 * An in-memory set of node records indexed by id and by capability, answering the directory's
 * synchronous reads. The arrays it returns are cached until the membership changes and are never
 * mutated afterwards, so a caller may keep one as a snapshot; the records in them are live objects.
 */
export class DirectoryView {
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly byCapability = new Map<string, Map<string, NodeRecord>>();
  private listCache: readonly NodeRecord[] | undefined;
  private readonly capabilityCache = new Map<string, readonly NodeRecord[]>();

  get size(): number {
    return this.nodes.size;
  }

  /** Adds `record`, or replaces the record with the same id. Setting the object already held is a no-op. */
  set(record: NodeRecord): void {
    if (this.nodes.get(record.id) === record) return;
    this.delete(record.id);
    this.nodes.set(record.id, record);
    this.listCache = undefined;
    for (const capability of record.capabilities) {
      let bucket = this.byCapability.get(capability);
      if (!bucket) {
        bucket = new Map();
        this.byCapability.set(capability, bucket);
      }
      bucket.set(record.id, record);
      this.capabilityCache.delete(capability);
    }
  }

  /** Removes the record with this id; false when there was none. */
  delete(id: string): boolean {
    const old = this.nodes.get(id);
    if (!old) return false;
    this.nodes.delete(id);
    this.listCache = undefined;
    for (const capability of old.capabilities) {
      const bucket = this.byCapability.get(capability);
      bucket?.delete(id);
      if (bucket?.size === 0) this.byCapability.delete(capability);
      this.capabilityCache.delete(capability);
    }
    return true;
  }

  get(id: string): NodeRecord | undefined {
    return this.nodes.get(id);
  }

  list(): readonly NodeRecord[] {
    this.listCache ??= [...this.nodes.values()];
    return this.listCache;
  }

  withCapability(capability: string): readonly NodeRecord[] {
    const cached = this.capabilityCache.get(capability);
    if (cached) return cached;
    const bucket = this.byCapability.get(capability);
    if (!bucket) return EMPTY;
    const records = [...bucket.values()];
    this.capabilityCache.set(capability, records);
    return records;
  }

  clear(): void {
    this.nodes.clear();
    this.byCapability.clear();
    this.capabilityCache.clear();
    this.listCache = undefined;
  }
}
