import { randomUUID } from "node:crypto";
import type { Metadata, ServerDuplexStream } from "@grpc/grpc-js";
import { ErrorCode, SwitchyardError, toSwitchyardError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { NodeMessage, RouterMessage } from "../gen/switchyard/v1/node.js";
import type { Principal } from "../ledger/types.js";
import { AdminController, type AdminTarget } from "./admin/controller.js";
import type { RoutingConfig } from "./admin/routing-config.js";
import { type Billing, outcomeOf } from "./billing/billing.js";
import { HoldGate } from "./billing/hold-gate.js";
import { splitContent } from "./chunking/split.js";
import type { NodeDirectory, NodeRecord } from "./directory/directory.js";
import { InMemoryDirectory } from "./directory/memory.js";
import type { Bus } from "./fanout/bus.js";
import type { Subscription } from "./fanout/events.js";
import { operatorOf } from "./grpc/auth.js";
import { GrpcRouterServer } from "./grpc/server.js";
import { Job, type JobSink, type JobSpec, requirementOf } from "./jobs/job.js";
import { Scheduler } from "./jobs/scheduler.js";
import { combineObservers, type RouterObserver } from "./observer.js";
import { compileRouterOptions, type RouterOptions, type RouterSettings } from "./options.js";
import { isCapable } from "./scoring/score.js";
import { NodeSession } from "./sessions/node-session.js";
import { nodeIdFor, type ValidRegistration } from "./sessions/register.js";
import { RouterStats } from "./stats/job-stats.js";

export type RouterState = "running" | "closing" | "closed";

/**
 * A router replica: the gRPC server nodes and clients talk to, the sessions of the nodes connected to
 * it, and the scheduler that places jobs on them. Create with `Router.create()`, stop with `close()`.
 */
export class Router implements AdminTarget {
  readonly settings: RouterSettings;
  readonly directory: NodeDirectory;
  readonly bus: Bus | undefined;
  /** Auth and credits; undefined runs the router open and free (library use, tests). */
  readonly billing: Billing | undefined;
  /** What this replica has seen: jobs over 24 hours, tasks per node. */
  readonly stats = new RouterStats();
  private readonly observer: Required<RouterObserver>;
  private readonly sessions = new Map<string, NodeSession>();
  private readonly served = new Map<string, Promise<Subscription | undefined>>();
  private directoryEvents: Subscription | undefined;
  private readonly scheduler: Scheduler;
  private readonly logger: Logger;
  private server: GrpcRouterServer | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private current: RouterState = "running";
  private refusedMessages = 0;
  private pausedReason: string | undefined;
  private configVersion = 0;
  /** Admin controls; present when billing is (admin keys live in the ledger). */
  admin: AdminController | undefined;

  private constructor(
    settings: RouterSettings,
    directory: NodeDirectory,
    bus: Bus | undefined,
    billing: Billing | undefined,
    observers: RouterObserver[],
  ) {
    this.settings = settings;
    this.directory = directory;
    this.bus = bus;
    this.billing = billing;
    this.logger = settings.logger.child({ routerId: settings.id });
    this.observer = combineObservers([this.stats, ...observers]);
    this.scheduler = new Scheduler(settings, directory, this.sessions, bus, this.observer);
  }

  /** Builds a router and starts serving gRPC on the configured port. */
  static async create(options: RouterOptions = {}): Promise<Router> {
    const settings = compileRouterOptions(options);
    const router = new Router(
      settings,
      options.directory ?? new InMemoryDirectory(),
      options.bus,
      options.billing,
      options.observers ?? [],
    );
    // Nodes of other replicas coming up or freeing slots may serve queued work here.
    router.directoryEvents = options.bus?.subscribe((event) => {
      if (event.type === "down") return;
      const record = router.directory.get(event.type === "up" ? event.record.id : event.id);
      if (record && record.routerId !== settings.id) router.scheduler.onSlotFree(record);
    });
    try {
      if (options.billing) {
        router.admin = await AdminController.start(
          router,
          options.billing.ledger.routing<RoutingConfig>(),
          options.bus,
          router.logger.child({ component: "admin" }),
        );
      }
      router.server = await GrpcRouterServer.start(router, settings);
    } catch (err) {
      router.admin?.close();
      router.directoryEvents?.unsubscribe();
      await router.directory.close();
      await options.bus?.close();
      throw err;
    }
    router.sweeper = setInterval(() => router.sweep(), settings.heartbeatIntervalMs);
    router.sweeper.unref();
    router.logger.info({ address: router.address }, "router listening");
    return router;
  }

  get id(): string {
    return this.settings.id;
  }

  get state(): RouterState {
    return this.current;
  }

  /** host:port the gRPC server is bound to. */
  get address(): string {
    return `${this.settings.host.includes(":") ? `[${this.settings.host}]` : this.settings.host}:${this.server?.port ?? 0}`;
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  /** Jobs running now. */
  get activeJobs(): number {
    return this.scheduler.activeJobs;
  }

  /** Tasks waiting for a free node. */
  get queuedTasks(): number {
    return this.scheduler.queued;
  }

  /** Messages nodes sent for tasks they did not hold (each refused). */
  get refusedNodeMessages(): number {
    return this.refusedMessages;
  }

  /** The session of a node connected to this replica. */
  session(nodeId: string): NodeSession | undefined {
    return this.sessions.get(nodeId);
  }

  /**
   * Starts a job: splits it when it should be, checks that some node could serve it, schedules it and,
   * when billing is on and a payer is given, holds its cost meanwhile; resolves once the hold is placed.
   * Its outcome goes to `sink` (never before the hold is placed), and the hold is settled when it ends.
   * Throws, and the client is charged nothing: unavailable (shutting down), not_found (no node for it),
   * insufficient_credits (max_cost or balance), permission_denied (suspended account), or the ledger's
   * failure; a job refused for its hold has its tasks cancelled and its sink hears nothing.
   */
  async submit(spec: JobSpec, sink: JobSink, payer?: Principal): Promise<Job> {
    this.requireRunning();
    const id = `job_${randomUUID().replaceAll("-", "")}`;
    const split = this.shouldSplit(spec);
    const parts = split
      ? splitContent(spec.content, {
          threshold: this.settings.splitThreshold,
          maxChunks: this.settings.maxChunks,
        })
      : { chunks: [spec.content], separators: [] };
    const logger = this.logger.child({ jobId: id });
    const billing = this.billing && payer ? this.billing : undefined;
    const settled: JobSink = billing
      ? {
          onDelta: (text, chunk) => sink.onDelta(text, chunk),
          onResult: (out) => {
            if (job.cost > 0) {
              const payees = job.tasks.map((t) => t.payee ?? { operator: "", nodeName: "" });
              billing.settle(id, job.cost / job.tasks.length, "succeeded", payees, out.durationMs);
            }
            sink.onResult(out);
          },
          onError: (err) => {
            if (job.cost > 0)
              billing.settle(
                id,
                job.cost / job.tasks.length,
                outcomeOf(err),
                [],
                Date.now() - job.createdAtMs,
              );
            sink.onError(err);
          },
        }
      : sink;
    // With billing, the job starts on its nodes while its hold is written (the hold's round trip to
    // the ledger is then hidden behind the work); the gate keeps everything from the client until the
    // hold is placed, and a refused hold withdraws the job and cancels its tasks.
    const gate = billing ? new HoldGate(settled, () => job.cost) : undefined;
    const job = new Job(id, spec, gate ?? settled, logger, split);
    job.setChunks(parts.chunks, parts.separators);
    if (!this.scheduler.hasCapable(job.requirement)) throw this.scheduler.noNode(job);
    const cost = billing ? billing.quote(spec.capability, job.tasks.length, spec.maxCost) : 0;
    logger.info(
      { capability: spec.capability, model: spec.model || undefined, chunks: job.tasks.length },
      "job accepted",
    );
    this.scheduler.start(job);
    if (billing && payer && gate) {
      try {
        await billing.hold({
          jobId: id,
          principal: payer,
          capability: spec.capability,
          chunks: job.tasks.length,
          cost,
          deadlineMs: spec.deadlineMs,
          routerId: this.id,
        });
      } catch (err) {
        const error = toSwitchyardError(err);
        gate.refuse();
        this.scheduler.withdraw(job, error);
        logger.info({ code: error.code }, "job refused: its hold was not placed");
        throw error;
      }
      job.cost = cost;
      logger.debug({ cost }, "hold placed");
      gate.open();
    }
    this.observer.jobAccepted(spec.capability, job.tasks.length);
    return job;
  }

  private requireRunning(): void {
    if (this.current !== "running") {
      throw new SwitchyardError(
        ErrorCode.Unavailable,
        "the router is shutting down; retry on another replica",
      );
    }
    if (this.pausedReason !== undefined) {
      const why = this.pausedReason ? `: ${this.pausedReason}` : "";
      throw new SwitchyardError(ErrorCode.Unavailable, `routing is paused by an administrator${why}`);
    }
  }

  /** True while an administrator has paused routing: new jobs are refused, running ones finish. */
  get paused(): boolean {
    return this.pausedReason !== undefined;
  }

  setPaused(paused: boolean, reason: string): void {
    const was = this.paused;
    this.pausedReason = paused ? reason : undefined;
    if (was !== paused) this.logger.info({ paused, reason }, paused ? "routing paused" : "routing resumed");
  }

  drainNode(nodeId: string): boolean {
    const session = this.sessions.get(nodeId);
    if (!session || session.isClosed) return false;
    session.drain("drained by an administrator", false);
    return true;
  }

  disconnectNode(nodeId: string): boolean {
    const session = this.sessions.get(nodeId);
    if (!session || session.isClosed) return false;
    session.close(
      "disconnected by an administrator",
      new SwitchyardError(ErrorCode.Unavailable, "disconnected by an administrator"),
    );
    return true;
  }

  nodesOperatedBy(accountId: string): string[] {
    return this.directory
      .list()
      .filter((n) => n.operator === accountId)
      .map((n) => n.id);
  }

  knowsNode(nodeId: string): boolean {
    return this.directory.get(nodeId) !== undefined || this.sessions.has(nodeId);
  }

  announceConfigVersion(version: number): void {
    this.configVersion = version;
    const heartbeatIntervalMs = this.settings.heartbeatIntervalMs;
    for (const session of this.sessions.values()) {
      session.send({ msg: { $case: "config", value: { configVersion: version, heartbeatIntervalMs } } });
    }
  }

  /**
   * A job is split when its content is over the threshold and some node online declares the
   * capability splittable (chat never is); its chunks then go only to such nodes.
   */
  private shouldSplit(spec: JobSpec): boolean {
    if (spec.content.length <= this.settings.splitThreshold || spec.capability === "chat") return false;
    const requirement = requirementOf(spec, true);
    return this.directory
      .withCapability(spec.capability)
      .some((n) => !n.draining && isCapable(n, requirement));
  }

  /** Cancels a job (client gone): nodes still working on it get TaskCancel. */
  cancel(job: Job, reason = "the client cancelled the job"): void {
    if (job.finished) return;
    this.scheduler.fail(job, new SwitchyardError(ErrorCode.Cancelled, reason));
  }

  /**
   * The operator account a node's earnings go to: the account of its key when billing is on (throws
   * unauthenticated / permission_denied for a bad key), else an id derived from the key, or "local".
   */
  async operatorFor(metadata: Metadata): Promise<string> {
    if (this.billing) return (await this.billing.principal(metadata)).accountId;
    return operatorOf(metadata);
  }

  /** True while new node streams are accepted. */
  get acceptingNodes(): boolean {
    return this.current === "running";
  }

  /**
   * Makes a registered stream a session. A session with the same identity is replaced: its in-flight
   * work is retried elsewhere.
   */
  async attachNode(
    call: ServerDuplexStream<NodeMessage, RouterMessage>,
    reg: ValidRegistration,
    operator: string,
  ): Promise<NodeSession> {
    const id = nodeIdFor(operator, reg.name);
    this.sessions
      .get(id)
      ?.close(
        "replaced by a new connection",
        new SwitchyardError(ErrorCode.Unavailable, "replaced by a new connection of the same node"),
      );
    const now = Date.now();
    const record: NodeRecord = {
      id,
      name: reg.name,
      operator,
      capabilities: reg.capabilities,
      languages: reg.languages,
      models: reg.models,
      splittable: reg.splittable,
      maxConcurrency: reg.maxConcurrency,
      inFlight: 0,
      draining: false,
      labels: reg.labels,
      sdkVersion: reg.sdkVersion,
      routerId: this.id,
      connectedAtMs: now,
      lastSeenAtMs: now,
    };
    const session = new NodeSession(
      call,
      record,
      this.directory,
      {
        onSlotFree: (s) => this.scheduler.onSlotFree(s.record),
        onClosed: (s) => this.detach(s),
        onRefused: (s, kind, taskId) => {
          this.refusedMessages += 1;
          s.logger.warn({ kind, taskId }, "refused a message for a task the node does not hold");
        },
      },
      this.logger.child({ nodeId: id }),
      reg.acceptsBatches,
    );
    this.sessions.set(id, session);
    if (this.bus) this.served.set(id, this.serveOnBus(this.bus, session));
    await this.directory.upsert(record);
    session.send({
      msg: {
        $case: "registered",
        value: {
          nodeId: id,
          heartbeatIntervalMs: this.settings.heartbeatIntervalMs,
          configVersion: this.configVersion,
          routerId: this.id,
          acceptsBatches: true,
        },
      },
    });
    session.logger.info(
      { name: reg.name, capabilities: reg.capabilities, models: reg.models },
      "node registered",
    );
    if (!session.isClosed) this.scheduler.onSlotFree(record);
    return session;
  }

  /**
   * Stops the router gracefully: new jobs and node streams are refused, running jobs get up to
   * `shutdownGraceMs` to finish (then fail with unavailable), node streams are drained and closed,
   * and the gRPC server shuts down. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.current = "closing";
    this.admin?.close();
    this.logger.info({ activeJobs: this.activeJobs }, "router closing");
    const drained = await this.scheduler.whenIdle(this.settings.shutdownGraceMs);
    if (!drained) {
      this.scheduler.failAll(
        new SwitchyardError(ErrorCode.Unavailable, "the router shut down before the job finished"),
      );
    }
    clearInterval(this.sweeper);
    for (const session of [...this.sessions.values()]) session.drain("router shutting down", true);
    const errors: unknown[] = [];
    try {
      await this.server?.close();
    } catch (err) {
      errors.push(err);
    }
    this.directoryEvents?.unsubscribe();
    try {
      await this.directory.close();
    } catch (err) {
      errors.push(err);
    }
    try {
      await this.bus?.close();
    } catch (err) {
      errors.push(err);
    }
    this.current = "closed";
    this.logger.info("router closed");
    if (errors.length > 0) throw new AggregateError(errors, "router close failed");
  }

  /** Lets other replicas offer this node tasks; the node's own limits decide. */
  private async serveOnBus(bus: Bus, session: NodeSession): Promise<Subscription | undefined> {
    try {
      return await bus.serveNode(
        session.id,
        (assign, sink) => {
          if (this.sessions.get(session.id) !== session || session.isClosed) return "gone";
          if (session.record.draining || session.inFlight >= session.record.maxConcurrency) return "busy";
          session.assign(assign, {
            onDelta: (text) => sink.delta(text),
            onResult: (output, usage) => sink.result(output, usage),
            onFailure: (failure) => sink.failure(failure),
          });
          return undefined;
        },
        (taskId, reason) => session.cancel(taskId, reason),
      );
    } catch (err) {
      session.logger.warn({ err }, "could not serve the node on the bus");
      return undefined;
    }
  }

  private detach(session: NodeSession): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    const served = this.served.get(session.id);
    this.served.delete(session.id);
    served?.then((sub) => sub?.unsubscribe()).catch(() => {});
    this.directory.remove(session.id).catch((err: unknown) => {
      session.logger.warn({ err }, "could not remove node from the directory");
    });
    session.logger.info("node disconnected");
  }

  private sweep(): void {
    const cutoff = Date.now() - 3 * this.settings.heartbeatIntervalMs;
    for (const session of [...this.sessions.values()]) {
      if (session.record.lastSeenAtMs < cutoff) {
        session.close(
          "heartbeat timeout",
          new SwitchyardError(ErrorCode.Unavailable, "no heartbeat for three intervals"),
        );
      }
    }
  }
}
