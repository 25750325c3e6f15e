import type { NodeDirectory, NodeRecord } from "./directory.js";

/** The embedded node directory: one process, one map. */
export class InMemoryDirectory implements NodeDirectory {
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly byCapability = new Map<string, Map<string, NodeRecord>>();

  async upsert(record: NodeRecord): Promise<void> {
    this.detach(record.id);
    this.nodes.set(record.id, record);
    for (const capability of record.capabilities) {
      let bucket = this.byCapability.get(capability);
      if (!bucket) {
        bucket = new Map();
        this.byCapability.set(capability, bucket);
      }
      bucket.set(record.id, record);
    }
  }

  reportLoad(id: string, inFlight: number, draining: boolean): void {
    const record = this.nodes.get(id);
    if (!record) return;
    record.inFlight = inFlight;
    record.draining = draining;
  }

  touch(_id: string): void {
    // Records of the embedded directory live as long as their session.
  }

  async remove(id: string): Promise<void> {
    this.detach(id);
  }

  get(id: string): NodeRecord | undefined {
    return this.nodes.get(id);
  }

  list(): readonly NodeRecord[] {
    return [...this.nodes.values()];
  }

  withCapability(capability: string): readonly NodeRecord[] {
    const bucket = this.byCapability.get(capability);
    return bucket ? [...bucket.values()] : [];
  }

  async close(): Promise<void> {
    this.nodes.clear();
    this.byCapability.clear();
  }

  private detach(id: string): void {
    const old = this.nodes.get(id);
    if (!old) return;
    this.nodes.delete(id);
    for (const capability of old.capabilities) {
      const bucket = this.byCapability.get(capability);
      bucket?.delete(id);
      if (bucket?.size === 0) this.byCapability.delete(capability);
    }
  }
}
