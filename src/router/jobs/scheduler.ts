import { ErrorCode, SwitchyardError } from "../../core/errors.js";
import type { Usage } from "../../gen/switchyard/v1/common.js";
import { type TaskAssign, TaskErrorCode } from "../../gen/switchyard/v1/node.js";
import { mergeOutputs } from "../chunking/merge.js";
import type { NodeDirectory, NodeRecord } from "../directory/directory.js";
import { type Bus, DispatchRefused } from "../fanout/bus.js";
import type { RouterObserver } from "../observer.js";
import type { RouterSettings } from "../options.js";
import { isCapable, pickNode, type Requirement } from "../scoring/score.js";
import type { NodeSession } from "../sessions/node-session.js";
import type { TaskFailureInfo, TaskListener } from "../sessions/task-listener.js";
import type { Job, TaskHandle, TaskRun } from "./job.js";
import { WaitQueue } from "./wait-queue.js";

/** Longest run of queued tasks a freed slot looks through before giving up. */
const PUMP_SCAN_LIMIT = 256;

/**
 * Places tasks on nodes: picks the best available node by score (on this replica, or through the bus
 * on another), queues the task when every capable node is busy, retries a task on another node when
 * its node fails or leaves, streams chunks to the client in order, and finishes the job when every
 * chunk has an output (or when one of them cannot get one).
 */
export class Scheduler {
  private readonly queue: WaitQueue<TaskRun>;
  private readonly running = new Set<Job>();
  /** Tasks this replica has sent through the bus and not yet seen end, by node. */
  private readonly outstanding = new Map<string, number>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly settings: RouterSettings,
    private readonly directory: NodeDirectory,
    private readonly sessions: ReadonlyMap<string, NodeSession>,
    private readonly bus: Bus | undefined,
    private readonly observer: Required<RouterObserver>,
  ) {
    this.queue = new WaitQueue(settings.queueLimit);
  }

  /** Jobs started and not finished. */
  get activeJobs(): number {
    return this.running.size;
  }

  /** Tasks waiting for a free node. */
  get queued(): number {
    return this.queue.total;
  }

  /** Starts a job whose tasks are set. Its sink hears the outcome; this never throws. */
  start(job: Job): void {
    this.running.add(job);
    job.timer = setTimeout(() => {
      this.fail(job, new SwitchyardError(ErrorCode.DeadlineExceeded, `job ${job.id} passed its deadline`));
    }, job.deadlineAtMs - Date.now());
    job.timer.unref();
    for (const task of job.tasks) {
      if (job.finished) break;
      this.place(task, false);
    }
  }

  /** Resolves true once no job is running, or false after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.running.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Fails every running job with `error`. */
  failAll(error: SwitchyardError): void {
    for (const job of [...this.running]) this.fail(job, error);
  }

  /** Ends a job with an error: queued tasks leave the queue and nodes still working get TaskCancel. */
  fail(job: Job, error: SwitchyardError): void {
    if (job.finished) return;
    this.finish(job);
    this.cancelTasks(job, error);
    job.logger.info({ code: error.code }, "job failed");
    this.observer.jobFinished({
      capability: job.spec.capability,
      outcome: error.code,
      durationMs: Date.now() - job.createdAtMs,
      overheadMs: 0,
      chunks: job.tasks.length,
    });
    job.sink.onError(error);
  }

  /**
   * Takes back a job that was never accepted (its hold was refused while it had already started): its
   * tasks leave the queue and nodes still working get TaskCancel; nothing is reported and its sink
   * hears nothing more.
   */
  withdraw(job: Job, error: SwitchyardError): void {
    if (job.finished) return;
    this.finish(job);
    this.cancelTasks(job, error);
  }

  private cancelTasks(job: Job, error: SwitchyardError): void {
    for (const task of job.tasks) {
      if (task.queued) {
        this.queue.remove(job.spec.capability, task.key);
        task.queued = false;
      }
      if (task.handle && !task.done) task.handle.cancel(error.code);
      task.handle = undefined;
    }
  }

  /** A slot may have freed on a node: give it (or any other free node) the oldest waiting work. */
  onSlotFree(record: NodeRecord): void {
    for (const capability of record.capabilities) {
      if (this.queue.size(capability) > 0) this.pump(capability);
    }
  }

  private pump(capability: string): void {
    let misses = 0;
    for (const [key, task] of this.queue.waiting(capability)) {
      const node = this.pickFor(task);
      if (!node) {
        if (++misses >= PUMP_SCAN_LIMIT) return;
        continue;
      }
      this.queue.remove(capability, key);
      task.queued = false;
      this.assign(task, node);
    }
  }

  /** True when the record's node can be reached from here: a live local session, or any node via the bus. */
  private reachable(record: NodeRecord): boolean {
    const session = this.sessions.get(record.id);
    if (session) return !session.isClosed;
    return this.bus !== undefined && record.routerId !== this.settings.id;
  }

  /** True when some reachable node could serve the requirement, busy or not. */
  hasCapable(requirement: Requirement): boolean {
    return this.directory
      .withCapability(requirement.capability)
      .some((r) => this.reachable(r) && isCapable(r, requirement));
  }

  /** The error for a job no node online could serve. */
  noNode(job: Job): SwitchyardError {
    const what = job.spec.model
      ? `model "${job.spec.model}" with capability "${job.spec.capability}"`
      : `capability "${job.spec.capability}"`;
    return new SwitchyardError(ErrorCode.NotFound, `no node online serves ${what}`, {
      param: job.spec.model ? "model" : "capability",
    });
  }

  /**
   * Capable, reachable nodes. A node's load is at least the tasks this replica has sent it through the
   * bus, whose owner may not have reported them yet (its refusal covers the rest).
   */
  private capable(task: TaskRun): NodeRecord[] {
    const out: NodeRecord[] = [];
    for (const r of this.directory.withCapability(task.job.spec.capability)) {
      if (!this.reachable(r) || !isCapable(r, task.job.requirement)) continue;
      const sent = this.outstanding.get(r.id) ?? 0;
      out.push(sent > r.inFlight ? { ...r, inFlight: sent } : r);
    }
    return out;
  }

  private track(nodeId: string, delta: number): void {
    const next = (this.outstanding.get(nodeId) ?? 0) + delta;
    if (next > 0) this.outstanding.set(nodeId, next);
    else this.outstanding.delete(nodeId);
  }

  private pickFor(task: TaskRun): NodeRecord | undefined {
    const { requirement, used } = task.job;
    const candidates = this.capable(task);
    const { weights, random } = this.settings;
    if (used.size > 0) {
      // Chunks of one job go to distinct nodes while there are free ones.
      const avoid = new Set([...task.tried, ...used]);
      const fresh = pickNode(candidates, requirement, weights, random, avoid);
      if (fresh) return fresh;
    }
    return pickNode(candidates, requirement, weights, random, task.tried);
  }

  private place(task: TaskRun, retry: boolean): void {
    const job = task.job;
    if (job.finished) return;
    if (!this.capable(task).some((r) => !task.tried.has(r.id))) {
      this.fail(job, retry ? this.noNodeLeft(task) : this.noNode(job));
      return;
    }
    const node = this.pickFor(task);
    if (node) {
      this.assign(task, node);
      return;
    }
    if (!this.queue.push(job.spec.capability, task.key, task, retry)) {
      this.fail(
        job,
        new SwitchyardError(
          ErrorCode.RateLimited,
          `every node for "${job.spec.capability}" is busy and its queue is full; retry later`,
          { retryAfterSeconds: 1 },
        ),
      );
      return;
    }
    task.queued = true;
    job.logger.debug({ chunk: task.chunkIndex }, "task queued");
  }

  private noNodeLeft(task: TaskRun): SwitchyardError {
    return new SwitchyardError(
      ErrorCode.UpstreamFailed,
      `chunk ${task.chunkIndex} failed on ${task.tried.size} node(s) and no other node can take it`,
    );
  }

  private assign(task: TaskRun, record: NodeRecord): void {
    const job = task.job;
    task.attempt += 1;
    task.taskId = `${job.id}.${task.chunkIndex}.${task.attempt}`;
    task.tried.add(record.id);
    task.payee = { operator: record.operator, nodeName: record.name };
    job.used.add(record.id);
    task.deltas = [];
    task.assignedAtMs = Date.now();
    const spec = job.spec;
    const assign: TaskAssign = {
      taskId: task.taskId,
      jobId: job.id,
      chunkIndex: task.chunkIndex,
      chunkCount: task.chunkCount,
      capability: spec.capability,
      content: task.content,
      params: spec.params,
      deadlineUnixMs: job.deadlineAtMs,
      model: spec.model,
      messages: spec.messages,
      stream: spec.stream,
      language: spec.language,
    };
    const session = this.sessions.get(record.id);
    job.logger.debug(
      { nodeId: record.id, taskId: task.taskId, attempt: task.attempt, local: !!session },
      "task assigned",
    );
    const local = session !== undefined && (this.settings.localShortcut || !this.bus);
    this.observer.taskAssigned(spec.capability, !local);
    if (session && local) {
      const handle: TaskHandle = {
        nodeId: record.id,
        cancel: (reason) => session.cancel(assign.taskId, reason),
      };
      task.handle = handle;
      session.assign(assign, this.listener(task, handle));
      return;
    }
    this.dispatchRemote(task, record, assign);
  }

  private dispatchRemote(task: TaskRun, record: NodeRecord, assign: TaskAssign): void {
    const bus = this.bus as Bus;
    let remote: { cancel(reason: string): void } | undefined;
    let cancelled: string | undefined;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      this.track(record.id, -1);
      const current = this.directory.get(record.id);
      if (current) this.onSlotFree(current);
    };
    const handle: TaskHandle = {
      nodeId: record.id,
      cancel: (reason) => {
        cancelled = reason;
        remote?.cancel(reason);
        end();
      },
    };
    task.handle = handle;
    this.track(record.id, 1);
    const listener = this.listener(task, handle);
    bus
      .dispatch(record.id, assign, {
        onDelta: (text) => listener.onDelta(text),
        onResult: (output, usage) => {
          end();
          listener.onResult(output, usage);
        },
        onFailure: (failure) => {
          end();
          listener.onFailure(failure);
        },
      })
      .then(
        (r) => {
          remote = r;
          if (cancelled !== undefined) r.cancel(cancelled);
        },
        (err: unknown) => {
          const reason = err instanceof DispatchRefused ? err.reason : "unreachable";
          if (reason === "busy") {
            // The node was full: mark it so in our view (until its owner reports its load again)
            // before anything waiting is offered to it.
            const view = this.directory.get(record.id);
            if (view && !this.sessions.has(record.id))
              view.inFlight = Math.max(view.inFlight, view.maxConcurrency);
          }
          end();
          if (task.handle !== handle || task.done || task.job.finished) return;
          task.handle = undefined;
          if (reason === "busy") {
            // Not an attempt.
            task.attempt -= 1;
            task.tried.delete(record.id);
            this.place(task, true);
            return;
          }
          this.onFailure(task, handle, {
            kind: "lost",
            message: `node ${record.id} could not be reached (${reason})`,
          });
        },
      );
  }

  private listener(task: TaskRun, handle: TaskHandle): TaskListener {
    return {
      onDelta: (text) => this.onDelta(task, handle, text),
      onResult: (output, usage) => this.onResult(task, handle, output, usage),
      onFailure: (failure) => this.onFailure(task, handle, failure),
    };
  }

  private current(task: TaskRun, handle: TaskHandle): boolean {
    return !task.job.finished && task.handle === handle && !task.done;
  }

  private onDelta(task: TaskRun, handle: TaskHandle, text: string): void {
    if (!this.current(task, handle) || text === "") return;
    task.deltas.push(text);
    const job = task.job;
    if (job.spec.stream && task.chunkIndex === job.streamCursor) {
      task.streamed += text;
      job.sink.onDelta(text, task.chunkIndex);
    }
  }

  private onResult(task: TaskRun, handle: TaskHandle, output: string, usage: Usage | undefined): void {
    if (!this.current(task, handle)) return;
    const job = task.job;
    task.done = true;
    task.handle = undefined;
    task.nodeMs = Date.now() - task.assignedAtMs;
    this.observer.taskFinished({
      capability: job.spec.capability,
      nodeId: handle.nodeId,
      ok: true,
      durationMs: task.nodeMs,
    });
    task.output = output !== "" ? output : task.deltas.join("");
    task.nodeId = handle.nodeId;
    task.usage = usage;
    if (job.spec.stream) this.advanceStream(job);
    if (job.tasks.every((t) => t.done)) this.complete(job);
  }

  /** Streams finished chunks in order: the rest of the current one, then each next one's buffered text. */
  private advanceStream(job: Job): void {
    while (job.streamCursor < job.tasks.length) {
      const current = job.tasks[job.streamCursor] as TaskRun;
      if (!current.done) return;
      if (current.output.startsWith(current.streamed) && current.output.length > current.streamed.length) {
        job.sink.onDelta(current.output.slice(current.streamed.length), current.chunkIndex);
      }
      current.streamed = current.output;
      job.streamCursor += 1;
      const next = job.tasks[job.streamCursor];
      if (!next) return;
      const separator = job.separators[job.streamCursor - 1] ?? "";
      if (separator !== "") job.sink.onDelta(separator, next.chunkIndex);
      const buffered = next.done ? "" : next.deltas.join("");
      if (buffered !== "") {
        next.streamed = buffered;
        job.sink.onDelta(buffered, next.chunkIndex);
      }
    }
  }

  private onFailure(task: TaskRun, handle: TaskHandle, failure: TaskFailureInfo): void {
    if (!this.current(task, handle)) return;
    const job = task.job;
    task.handle = undefined;
    this.observer.taskFinished({
      capability: job.spec.capability,
      nodeId: handle.nodeId,
      ok: false,
      durationMs: Date.now() - task.assignedAtMs,
    });
    job.logger.info({ nodeId: handle.nodeId, taskId: task.taskId, failure }, "task failed on node");
    if (failure.kind === "node-error" && failure.code === TaskErrorCode.TASK_ERROR_CODE_INVALID_INPUT) {
      this.fail(
        job,
        new SwitchyardError(ErrorCode.InvalidArgument, failure.message || "the node rejected the input"),
      );
      return;
    }
    if (task.streamed !== "") {
      this.fail(
        job,
        new SwitchyardError(
          ErrorCode.UpstreamFailed,
          `the node failed after the stream began: ${failure.message}`,
        ),
      );
      return;
    }
    if (task.attempt >= this.settings.maxAttempts) {
      this.fail(
        job,
        new SwitchyardError(
          ErrorCode.UpstreamFailed,
          `chunk ${task.chunkIndex} failed on ${task.attempt} node(s); last error: ${failure.message}`,
        ),
      );
      return;
    }
    this.observer.taskRetried(job.spec.capability);
    this.place(task, true);
  }

  private complete(job: Job): void {
    this.finish(job);
    const tasks = job.tasks;
    let usage: Usage | undefined;
    for (const t of tasks) {
      if (!t.usage) continue;
      usage ??= { promptTokens: 0, completionTokens: 0 };
      usage.promptTokens += t.usage.promptTokens;
      usage.completionTokens += t.usage.completionTokens;
    }
    const durationMs = Date.now() - job.createdAtMs;
    const onNodes = Math.max(0, ...tasks.map((t) => t.nodeMs));
    this.observer.jobFinished({
      capability: job.spec.capability,
      outcome: "succeeded",
      durationMs,
      overheadMs: Math.max(0, durationMs - onNodes),
      chunks: tasks.length,
    });
    job.logger.info({ nodes: tasks.map((t) => t.nodeId), durationMs }, "job succeeded");
    job.sink.onResult({
      jobId: job.id,
      output: mergeOutputs(
        tasks.map((t) => t.output),
        job.separators,
      ),
      chunks: tasks.length,
      nodeIds: tasks.map((t) => t.nodeId),
      durationMs,
      usage,
      model: job.spec.model,
      cost: job.cost,
    });
  }

  private finish(job: Job): void {
    job.finished = true;
    clearTimeout(job.timer);
    this.running.delete(job);
    if (this.running.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
