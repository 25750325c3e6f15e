import type { Redis } from "ioredis";
import { ErrorCode, SwitchyardError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { DirectoryEvent, Subscription } from "../fanout/events.js";
import { Coalescer } from "./coalesce.js";
import type { NodeDirectory, NodeRecord } from "./directory.js";
import type { StaleRecord } from "./merge.js";
import { encodeStored } from "./record-codec.js";
import { closeRedis, openRedis, settleWithin } from "./redis-client.js";
import {
  compileRedisDirectoryOptions,
  type RedisDirectoryOptions,
  type RedisDirectorySettings,
} from "./redis-options.js";
import { NodeStore, type StoreOp } from "./redis-store.js";
import { type LocalNode, ReplicaView } from "./replica-view.js";

export type { RedisDirectoryOptions } from "./redis-options.js";

type State = "open" | "closing" | "closed";

/**
 * A replica's node directory in cluster mode. Each node is one Redis key, `<prefix>:node:<id>`, with
 * the record as JSON and a PX expiry of `ttlMs` that the holder refreshes on `touch`. Reads never
 * touch the network: they answer from a local view that events from other replicas update at once
 * and a periodic resync (SCAN + MGET) replaces with what Redis holds, which is how the nodes of a dead
 * replica disappear once their keys expire. Nodes held here are always in the view, as the very
 * record objects passed to `upsert`.
 *
 * A Redis failure never reaches the caller: writes are logged and retried by the resync, reads keep
 * serving the view, and the resync runs again on its interval while the client reconnects.
 */
export class RedisDirectory implements NodeDirectory {
  private readonly logger: Logger;
  private readonly store: NodeStore;
  private readonly view: ReplicaView;
  private readonly loadEvents: Coalescer;
  private readonly touchWrites: Coalescer;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly onReady = (): void => this.resyncNow();
  private subscription: Subscription | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private resyncing: Promise<void> | undefined;
  private reachable = true;
  private state: State = "open";
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly settings: RedisDirectorySettings,
    private readonly client: Redis,
    private readonly ownsClient: boolean,
  ) {
    this.logger = settings.logger.child({ component: "redis-directory", routerId: settings.routerId });
    this.view = new ReplicaView(settings.routerId, settings.resyncIntervalMs);
    this.store = new NodeStore(client, settings.prefix, settings.routerId, settings.scanCount);
    const onFlushError = (err: unknown, id: string): void =>
      this.logger.error({ err, nodeId: id }, "flush failed");
    this.loadEvents = new Coalescer(settings.loadEventIntervalMs, (id) => this.flushLoad(id), onFlushError);
    this.touchWrites = new Coalescer(
      settings.touchWriteIntervalMs,
      (id) => this.flushTouch(id),
      onFlushError,
    );
  }

  /**
   * Connects (unless given a client), subscribes to the events and loads the view from Redis. Throws
   * RangeError for bad options, and SwitchyardError(unavailable) when Redis cannot be reached at start.
   */
  static async create(options: RedisDirectoryOptions): Promise<RedisDirectory> {
    const settings = compileRedisDirectoryOptions(options);
    const { url, client: given, commandTimeoutMs, logger } = settings;
    const client = await openRedis(url, given, commandTimeoutMs, logger).catch((err: unknown) => {
      throw unavailable("cannot connect to Redis for the node directory", err);
    });
    const directory = new RedisDirectory(settings, client, !settings.client);
    client.on("ready", directory.onReady);
    try {
      directory.subscription = settings.events.subscribe((event) => directory.hear(event));
      await directory.resync();
    } catch (err) {
      await directory.close();
      throw unavailable("cannot start the node directory: Redis or the event channel failed", err);
    }
    directory.scheduleResync();
    return directory;
  }

  /** False after a Redis operation failed, until the next successful resync. */
  get healthy(): boolean {
    return this.reachable;
  }

  /**
   * Registers a node held by this replica: stores this very object in the view, writes it to Redis
   * (replacing any other holder) and then announces it. Throws SwitchyardError(unavailable) after
   * close(), and SwitchyardError(internal) when `record.routerId` is not this replica. A Redis failure
   * is logged, not thrown: the resync writes the record once Redis is back.
   */
  async upsert(record: NodeRecord): Promise<void> {
    if (this.state !== "open")
      throw new SwitchyardError(ErrorCode.Unavailable, "the node directory is closed");
    if (record.routerId !== this.settings.routerId) {
      throw new SwitchyardError(
        ErrorCode.Internal,
        `node ${record.id} is held by ${record.routerId}, not here`,
      );
    }
    const node = this.view.hold(record);
    const value = encodeStored(record, node.loadAtMs);
    await this.track(this.store.put(record.id, value, this.settings.ttlMs), "register", record.id);
    if (this.view.local(record.id) === node && this.state === "open") this.publish({ type: "up", record });
  }

  /**
   * Updates a held node's load in the view at once and announces it, at most one event per node
   * every `loadEventIntervalMs` carrying the latest values. Ignores nodes not held here.
   */
  reportLoad(id: string, inFlight: number, draining: boolean): void {
    if (this.view.setLoad(id, inFlight, draining) && this.state === "open") this.loadEvents.mark(id);
  }

  /**
   * Restarts a held node's expiry and stores its current load, at most one write per node every
   * `touchWriteIntervalMs`. Ignores nodes not held here.
   */
  touch(id: string): void {
    const node = this.view.local(id);
    if (!node) return;
    node.touchedAtMs = Date.now();
    if (this.state === "open") this.touchWrites.mark(id);
  }

  /**
   * Removes a held node: out of the view at once, announced, then its key deleted (unless another
   * replica has taken the node over). Ignores nodes not held here. Never throws.
   */
  async remove(id: string): Promise<void> {
    const node = this.view.release(id);
    if (!node) return;
    this.loadEvents.cancel(id);
    this.touchWrites.cancel(id);
    if (this.state === "closed") return;
    this.publish({ type: "down", id, routerId: this.settings.routerId });
    await this.track(this.store.delete(id, node.record.connectedAtMs), "remove", id);
  }

  get(id: string): NodeRecord | undefined {
    return this.view.get(id);
  }

  list(): readonly NodeRecord[] {
    return this.view.list();
  }

  withCapability(capability: string): readonly NodeRecord[] {
    return this.view.withCapability(capability);
  }

  /**
   * Replaces the view of other replicas' nodes with what Redis holds, restores records of held nodes
   * that Redis lost, and deletes stale records naming this replica. Concurrent calls share one run.
   * Rejects when Redis cannot be read (the view is then left as it was).
   */
  resync(): Promise<void> {
    if (this.state !== "open") return Promise.resolve();
    this.resyncing ??= this.runResync().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  /**
   * Stops the timers and the subscription, waits (up to the command timeout) for writes in flight,
   * announces and deletes the nodes still held here, and quits the client if it created it. Other
   * replicas' keys are left alone. Idempotent; never throws.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = "closing";
    clearTimeout(this.resyncTimer);
    this.loadEvents.clear();
    this.touchWrites.clear();
    this.client.off("ready", this.onReady);
    try {
      this.subscription?.unsubscribe();
    } catch (err) {
      this.logger.warn({ err }, "could not unsubscribe from directory events");
    }
    const until = Date.now() + this.settings.commandTimeoutMs;
    while ((this.pending.size > 0 || this.resyncing) && Date.now() < until) {
      await settleWithin([...this.pending, this.resyncing], until - Date.now());
    }
    const held = this.view.locals();
    this.view.clear();
    for (const node of held)
      this.publish({ type: "down", id: node.record.id, routerId: this.settings.routerId });
    const deletes: StoreOp[] = held.map((n) => ({
      kind: "delete",
      id: n.record.id,
      connectedAtMs: n.record.connectedAtMs,
    }));
    await this.track(this.store.batch(deletes), "close");
    if (this.ownsClient) await closeRedis(this.client, this.logger);
    this.state = "closed";
  }

  private async runResync(): Promise<void> {
    const startedAt = Date.now();
    const snapshot = await this.store.snapshot();
    if (this.state !== "open") return;
    const repairs = this.view.applySnapshot(snapshot, startedAt);
    if (repairs.invalid > 0)
      this.logger.warn({ count: repairs.invalid }, "ignored malformed node records in Redis");
    if (!this.reachable) this.logger.info("Redis reachable again; node directory resynced");
    this.reachable = true;
    await this.repair(repairs.missingLocal, repairs.staleOwn);
  }

  /** Rewrites held records Redis lost (while their expiry has not passed) and deletes stale own ones. */
  private async repair(missing: readonly LocalNode[], staleOwn: readonly StaleRecord[]): Promise<void> {
    const ops: StoreOp[] = staleOwn.map((stale) => ({ kind: "delete", ...stale }));
    for (const node of missing) {
      const ttlMs = node.touchedAtMs + this.settings.ttlMs - Date.now();
      const value = encodeStored(node.record, node.loadAtMs);
      if (ttlMs > 0) ops.push({ kind: "refresh", id: node.record.id, value, ttlMs });
    }
    if (ops.length === 0) return;
    this.logger.info({ restored: ops.length - staleOwn.length, stale: staleOwn.length }, "repairing Redis");
    const errors = await this.track(this.store.batch(ops), "repair");
    const failed = errors?.find((err) => err !== null);
    if (failed) this.failed(failed, "repair");
  }

  private scheduleResync(): void {
    if (this.state !== "open") return;
    clearTimeout(this.resyncTimer);
    this.resyncTimer = setTimeout(() => this.resyncNow(), this.settings.resyncIntervalMs);
    this.resyncTimer.unref();
  }

  /** Runs a resync now (on the interval, or when the client reconnects) and schedules the next one. */
  private resyncNow(): void {
    if (this.state !== "open" || this.resyncing) return;
    clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    void this.resync()
      .catch((err: unknown) => this.failed(err, "resync"))
      .finally(() => this.scheduleResync());
  }

  private hear(event: DirectoryEvent): void {
    if (this.state !== "open") return;
    try {
      this.view.hear(event);
    } catch (err) {
      this.logger.warn({ err }, "could not apply a directory event");
    }
  }

  private flushLoad(id: string): void {
    const event = this.state === "open" ? this.view.takeLoadEvent(id) : undefined;
    if (event) this.publish(event);
  }

  private flushTouch(id: string): void {
    const node = this.view.local(id);
    if (!node || node.writing || this.state !== "open") return;
    const ttlMs = node.touchedAtMs + this.settings.ttlMs - Date.now();
    if (ttlMs <= 0) return;
    node.writing = true;
    const value = encodeStored(node.record, node.loadAtMs);
    void this.track(this.store.refresh(id, value, ttlMs), "touch", id).then((written) => {
      node.writing = false;
      if (written === false) this.logger.debug({ nodeId: id }, "another replica holds this node now");
    });
  }

  private publish(event: DirectoryEvent): void {
    try {
      this.settings.events.publish(event);
    } catch (err) {
      this.logger.warn({ err, type: event.type }, "could not publish a directory event");
    }
  }

  /** Awaits a Redis operation; a failure is logged and resolves to undefined. Close waits for it. */
  private async track<T>(work: Promise<T>, op: string, nodeId?: string): Promise<T | undefined> {
    this.pending.add(work);
    try {
      return await work;
    } catch (err) {
      this.failed(err, op, nodeId);
      return undefined;
    } finally {
      this.pending.delete(work);
    }
  }

  private failed(err: unknown, op: string, nodeId?: string): void {
    if (this.reachable)
      this.logger.warn({ err, op, nodeId }, "Redis operation failed; serving the local view");
    else this.logger.debug({ err, op, nodeId }, "Redis operation failed");
    this.reachable = false;
  }
}

function unavailable(message: string, cause: unknown): SwitchyardError {
  return new SwitchyardError(ErrorCode.Unavailable, message, { cause });
}
