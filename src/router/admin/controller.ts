import { ErrorCode, SwitchyardError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { RoutingStore, StoredConfigVersion } from "../../ledger/routing-store.js";
import type { Billing } from "../billing/billing.js";
import type { AdminEvent, AdminEvents, Subscription } from "../fanout/events.js";
import type { RouterSettings } from "../options.js";
import {
  applyRoutingConfig,
  currentRoutingConfig,
  type RoutingConfig,
  validateRoutingConfig,
} from "./routing-config.js";

/** What the controller needs from its router. */
export interface AdminTarget {
  readonly settings: RouterSettings;
  readonly billing: Billing | undefined;
  /** Drains a node on this replica's streams; false when it is not here. */
  drainNode(nodeId: string): boolean;
  /** Cuts a node's stream on this replica; false when it is not here. */
  disconnectNode(nodeId: string): boolean;
  /** True when some replica holds the node. */
  knowsNode(nodeId: string): boolean;
  /** Nodes online (on any replica) whose earnings go to `accountId`. */
  nodesOperatedBy(accountId: string): string[];
  setPaused(paused: boolean, reason: string): void;
  /** Tells this replica's nodes the configuration version in force. */
  announceConfigVersion(version: number): void;
}

/** How often the controller re-reads the configuration version and the pause switch, as a fallback. */
const POLL_MS = 2_000;

/**
 * Applies an administrator's decisions on this replica and spreads them to the others: drains and
 * disconnects go to the replica holding the node, pause and configuration changes to every replica
 * (over the bus, and by polling the shared store in case a message was missed). Configuration
 * versions and the pause switch live in the ledger's database.
 */
export class AdminController {
  private applied: StoredConfigVersion<RoutingConfig>;
  private subscription: Subscription | undefined;
  private poller: NodeJS.Timeout | undefined;

  private constructor(
    private readonly target: AdminTarget,
    private readonly store: RoutingStore<RoutingConfig>,
    private readonly events: AdminEvents | undefined,
    private readonly logger: Logger,
  ) {
    this.applied = {
      version: 0,
      config: currentRoutingConfig(target.settings, target.billing),
      author: "",
      note: "start-up configuration",
      createdAt: Date.now(),
    };
  }

  /** Loads the configuration and pause switch in force, and starts listening. */
  static async start(
    target: AdminTarget,
    store: RoutingStore<RoutingConfig>,
    events: AdminEvents | undefined,
    logger: Logger,
  ): Promise<AdminController> {
    const controller = new AdminController(target, store, events, logger);
    await controller.refresh();
    controller.subscription = events?.subscribeAdmin((event) => controller.onEvent(event));
    controller.poller = setInterval(() => {
      controller
        .refresh()
        .catch((err: unknown) => logger.warn({ err }, "could not re-read the routing state"));
    }, POLL_MS);
    controller.poller.unref();
    return controller;
  }

  /** The configuration in force (version 0: the start-up configuration, never changed). */
  current(): StoredConfigVersion<RoutingConfig> {
    return this.applied;
  }

  history(limit: number): Promise<Array<StoredConfigVersion<RoutingConfig>>> {
    return this.store.history(limit);
  }

  /** Saves and applies a new configuration version everywhere. Throws invalid_argument. */
  async update(
    config: RoutingConfig,
    author: string,
    note: string,
  ): Promise<StoredConfigVersion<RoutingConfig>> {
    const saved = await this.store.save(validateRoutingConfig(config), author, note);
    this.apply(saved);
    this.events?.publishAdmin({ type: "config", version: saved.version });
    return saved;
  }

  /** Puts an earlier version back in force, as a new version. Throws not_found. */
  async rollback(version: number, author: string): Promise<StoredConfigVersion<RoutingConfig>> {
    const old = await this.store.get(version);
    if (!old)
      throw new SwitchyardError(ErrorCode.NotFound, `no configuration version ${version}`, {
        param: "version",
      });
    return this.update(old.config, author, `rollback to version ${version}`);
  }

  async pause(paused: boolean, reason: string): Promise<void> {
    await this.store.setPaused(paused, reason);
    this.target.setPaused(paused, reason);
    this.events?.publishAdmin({ type: "pause", paused, reason });
  }

  /** Drains a node wherever it is connected. Throws not_found for a node no replica holds. */
  drain(nodeId: string): void {
    this.requireNode(nodeId);
    if (!this.target.drainNode(nodeId)) this.events?.publishAdmin({ type: "drain", nodeId });
  }

  /** Disconnects a node wherever it is connected. Throws not_found for a node no replica holds. */
  disconnect(nodeId: string): void {
    this.requireNode(nodeId);
    if (!this.target.disconnectNode(nodeId)) this.events?.publishAdmin({ type: "disconnect", nodeId });
  }

  /**
   * Cuts the streams of every node an account operates (after its suspension): they cannot register
   * again while it stays suspended.
   */
  disconnectOperator(accountId: string): number {
    const nodes = this.target.nodesOperatedBy(accountId);
    for (const nodeId of nodes) this.disconnect(nodeId);
    return nodes.length;
  }

  close(): void {
    clearInterval(this.poller);
    this.subscription?.unsubscribe();
  }

  private requireNode(nodeId: string): void {
    if (!this.target.knowsNode(nodeId)) {
      throw new SwitchyardError(ErrorCode.NotFound, `no node ${nodeId} is online`, { param: "node_id" });
    }
  }

  private onEvent(event: AdminEvent): void {
    switch (event.type) {
      case "drain":
        this.target.drainNode(event.nodeId);
        break;
      case "disconnect":
        this.target.disconnectNode(event.nodeId);
        break;
      case "pause":
        this.target.setPaused(event.paused, event.reason);
        break;
      case "config":
        if (event.version > this.applied.version) {
          this.refresh().catch((err: unknown) =>
            this.logger.warn({ err }, "could not load a new configuration"),
          );
        }
        break;
    }
  }

  private async refresh(): Promise<void> {
    const [latest, pause] = await Promise.all([this.store.current(), this.store.paused()]);
    if (latest && latest.version > this.applied.version) this.apply(latest);
    this.target.setPaused(pause.paused, pause.reason);
  }

  private apply(version: StoredConfigVersion<RoutingConfig>): void {
    if (version.version <= this.applied.version) return;
    applyRoutingConfig(version.config, this.target.settings, this.target.billing);
    this.applied = version;
    this.target.announceConfigVersion(version.version);
    this.logger.info({ version: version.version, note: version.note }, "routing configuration applied");
  }
}
