import type { Redis } from "ioredis";

/*
 * Key layout: one string key per node, `<prefix>:node:<nodeId>`, holding the record as JSON (see
 * record-codec.ts) with a PX expiry. Whoever registered the node last owns the key: a registration
 * overwrites it, while refreshes and deletes are conditional on the stored `routerId` (and, for
 * deletes, the registration's `connectedAtMs`), so a replica whose node stream went stale can neither
 * revive nor delete the record of the replica that holds the node now.
 */

/** Writes the value if the key is missing or names ARGV[1] as holder. Returns 1 when written. */
const REFRESH_IF_HELD = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, doc = pcall(cjson.decode, cur)
  if ok and type(doc) == 'table' and doc.routerId ~= ARGV[1] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/** Deletes the key if it names ARGV[1] as holder and, unless ARGV[2] is empty, that connectedAtMs. */
const DELETE_IF_HELD = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local ok, doc = pcall(cjson.decode, cur)
if not ok or type(doc) ~= 'table' or doc.routerId ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' and doc.connectedAtMs ~= tonumber(ARGV[2]) then return 0 end
return redis.call('DEL', KEYS[1])`;

/** One conditional write or delete of a batch. */
export type StoreOp =
  | { kind: "refresh"; id: string; value: string; ttlMs: number }
  | { kind: "delete"; id: string; connectedAtMs?: number };

/**
 * The Redis side of the directory: key layout, conditional writes, and the snapshot scan. Every
 * method makes the round trips it says and rejects with the client's error when Redis fails.
 */
export class NodeStore {
  private readonly nodePrefix: string;
  private readonly pattern: string;

  constructor(
    private readonly client: Redis,
    prefix: string,
    private readonly routerId: string,
    private readonly scanCount: number,
  ) {
    this.nodePrefix = `${prefix}:node:`;
    this.pattern = `${escapeGlob(this.nodePrefix)}*`;
  }

  key(id: string): string {
    return this.nodePrefix + id;
  }

  /** Writes a new registration, replacing whichever replica held the node. One round trip. */
  async put(id: string, value: string, ttlMs: number): Promise<void> {
    await this.client.set(this.key(id), value, "PX", ttlMs);
  }

  /** Rewrites a record this replica holds, unless another replica took the node over. One round trip. */
  async refresh(id: string, value: string, ttlMs: number): Promise<boolean> {
    const written = await this.client.eval(REFRESH_IF_HELD, 1, this.key(id), this.routerId, value, ttlMs);
    return written === 1;
  }

  /** Deletes a record this replica holds (that registration, when given). One round trip. */
  async delete(id: string, connectedAtMs?: number): Promise<boolean> {
    const deleted = await this.client.eval(
      DELETE_IF_HELD,
      1,
      this.key(id),
      this.routerId,
      connectedAtMs ?? "",
    );
    return deleted === 1;
  }

  /**
   * Runs conditional refreshes and deletes in one pipeline. Resolves with one error (or null) per
   * operation; rejects only when the pipeline itself fails.
   */
  async batch(ops: readonly StoreOp[]): Promise<Array<Error | null>> {
    if (ops.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const op of ops) {
      if (op.kind === "refresh")
        pipeline.eval(REFRESH_IF_HELD, 1, this.key(op.id), this.routerId, op.value, op.ttlMs);
      else pipeline.eval(DELETE_IF_HELD, 1, this.key(op.id), this.routerId, op.connectedAtMs ?? "");
    }
    const replies = (await pipeline.exec()) ?? [];
    return ops.map((_, i) => replies[i]?.[0] ?? null);
  }

  /**
   * Every node record Redis holds under the prefix, as node id to stored value. SCANs with COUNT and
   * fetches each page with one MGET sent while the scan goes on. Keys that expire in between are left out.
   */
  async snapshot(): Promise<Map<string, string>> {
    const values = new Map<string, string>();
    const fetches: Promise<void>[] = [];
    let failure: unknown;
    try {
      let cursor = "0";
      do {
        const [next, keys] = await this.client.scan(cursor, "MATCH", this.pattern, "COUNT", this.scanCount);
        cursor = next;
        if (keys.length > 0) fetches.push(this.fetch(keys, values));
      } while (cursor !== "0");
    } catch (err) {
      failure = err;
    }
    for (const result of await Promise.allSettled(fetches)) {
      if (result.status === "rejected") failure ??= result.reason;
    }
    if (failure !== undefined) throw failure;
    return values;
  }

  private async fetch(keys: string[], into: Map<string, string>): Promise<void> {
    const values = await this.client.mget(keys);
    keys.forEach((key, i) => {
      const value = values[i];
      if (typeof value === "string" && key.startsWith(this.nodePrefix)) {
        into.set(key.slice(this.nodePrefix.length), value);
      }
    });
  }
}

/** Escapes the characters SCAN MATCH treats as glob syntax. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
