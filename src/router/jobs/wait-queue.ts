interface Lane<T> {
  /** Tasks being retried after their node failed: served before fresh ones. */
  retry: Map<string, T>;
  fresh: Map<string, T>;
}

/**
 * Jobs waiting for a free node, one FIFO per capability (oldest first), bounded per capability.
 * Retried tasks go ahead of fresh ones and are never refused: they were admitted already.
 */
export class WaitQueue<T> {
  private readonly lanes = new Map<string, Lane<T>>();

  constructor(private readonly limitPerCapability: number) {}

  /** Adds an item; false when the capability's queue is full (fresh items only). */
  push(capability: string, key: string, item: T, retry: boolean): boolean {
    let lane = this.lanes.get(capability);
    if (!lane) {
      lane = { retry: new Map(), fresh: new Map() };
      this.lanes.set(capability, lane);
    }
    if (retry) {
      lane.retry.set(key, item);
      return true;
    }
    if (lane.fresh.size >= this.limitPerCapability) return false;
    lane.fresh.set(key, item);
    return true;
  }

  remove(capability: string, key: string): boolean {
    const lane = this.lanes.get(capability);
    if (!lane) return false;
    const removed = lane.retry.delete(key) || lane.fresh.delete(key);
    if (lane.retry.size === 0 && lane.fresh.size === 0) this.lanes.delete(capability);
    return removed;
  }

  size(capability: string): number {
    const lane = this.lanes.get(capability);
    return lane ? lane.retry.size + lane.fresh.size : 0;
  }

  get total(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.retry.size + lane.fresh.size;
    return n;
  }

  /** The waiting items of a capability, oldest first (retries before fresh). A snapshot. */
  waiting(capability: string): Array<[string, T]> {
    const lane = this.lanes.get(capability);
    return lane ? [...lane.retry.entries(), ...lane.fresh.entries()] : [];
  }

  capabilities(): string[] {
    return [...this.lanes.keys()];
  }
}
