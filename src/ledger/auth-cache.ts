import type { Principal } from "./types.js";

interface Entry {
  principal: Principal;
  expiresAt: number;
}

/**
 * Successful authentications by key hash, for a short time. Revoking or suspending through the same
 * Ledger drops the affected entries at once; other processes see the change within the TTL.
 */
export class AuthCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(hash: string): Principal | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.principal;
  }

  /** Read before a database lookup and pass to `set`, so a lookup that raced an invalidation is not kept. */
  get epoch(): number {
    return this.generation;
  }

  set(hash: string, principal: Principal, epoch: number): void {
    if (this.ttlMs <= 0 || epoch !== this.generation) return;
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(hash, { principal, expiresAt: this.now() + this.ttlMs });
  }

  dropKey(keyId: string): void {
    this.generation++;
    for (const [hash, entry] of this.entries) if (entry.principal.keyId === keyId) this.entries.delete(hash);
  }

  dropAccount(accountId: string): void {
    this.generation++;
    for (const [hash, entry] of this.entries) {
      if (entry.principal.accountId === accountId) this.entries.delete(hash);
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
