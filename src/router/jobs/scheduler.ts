import { ErrorCode, SwitchyardError } from "../../core/errors.js";
import type { Usage } from "../../gen/switchyard/v1/common.js";
import { TaskErrorCode } from "../../gen/switchyard/v1/node.js";
import type { NodeDirectory, NodeRecord } from "../directory/directory.js";
import type { RouterSettings } from "../options.js";
import { isCapable, pickNode } from "../scoring/score.js";
import type { NodeSession } from "../sessions/node-session.js";
import type { TaskFailureInfo } from "../sessions/task-listener.js";
import type { Job, TaskRun } from "./job.js";
import { WaitQueue } from "./wait-queue.js";

/** Longest run of queued tasks a freed slot looks through before giving up. */
const PUMP_SCAN_LIMIT = 256;

/**
 * Places tasks on nodes: picks the best available node by score, queues the task when every capable
 * node is busy, retries a task on another node when its node fails or leaves, and finishes the job when
 * every task has an output (or when one of them cannot get one).
 */
export class Scheduler {
  private readonly queue: WaitQueue<TaskRun>;
  private readonly running = new Set<Job>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly settings: RouterSettings,
    private readonly directory: NodeDirectory,
    private readonly sessions: ReadonlyMap<string, NodeSession>,
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
    const remaining = job.deadlineAtMs - Date.now();
    job.timer = setTimeout(() => {
      this.fail(job, new SwitchyardError(ErrorCode.DeadlineExceeded, `job ${job.id} passed its deadline`));
    }, remaining);
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
    for (const task of job.tasks) {
      if (task.queued) {
        this.queue.remove(job.spec.capability, task.key);
        task.queued = false;
      }
      if (task.session && !task.done) task.session.cancel(task.taskId, error.code);
      task.session = undefined;
    }
    job.logger.info({ code: error.code }, "job failed");
    job.sink.onError(error);
  }

  /** A slot freed on a node: give it (or any other free node) the oldest waiting work it can take. */
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

  private capableSessions(task: TaskRun): NodeSession[] {
    const out: NodeSession[] = [];
    for (const record of this.directory.withCapability(task.job.spec.capability)) {
      const session = this.sessions.get(record.id);
      if (session && !session.isClosed && isCapable(record, task.job.requirement)) out.push(session);
    }
    return out;
  }

  private pickFor(task: TaskRun): NodeSession | undefined {
    const records = this.capableSessions(task).map((s) => s.record);
    const picked = pickNode(
      records,
      task.job.requirement,
      this.settings.weights,
      this.settings.random,
      task.tried,
    );
    return picked ? this.sessions.get(picked.id) : undefined;
  }

  private place(task: TaskRun, retry: boolean): void {
    const job = task.job;
    const capable = this.capableSessions(task).filter((s) => !task.tried.has(s.id));
    if (capable.length === 0) {
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

  private noNode(job: Job): SwitchyardError {
    const what = job.spec.model
      ? `model "${job.spec.model}" with capability "${job.spec.capability}"`
      : `capability "${job.spec.capability}"`;
    return new SwitchyardError(ErrorCode.NotFound, `no node online serves ${what}`, {
      param: job.spec.model ? "model" : "capability",
    });
  }

  private noNodeLeft(task: TaskRun): SwitchyardError {
    return new SwitchyardError(
      ErrorCode.UpstreamFailed,
      `chunk ${task.chunkIndex} failed on ${task.tried.size} node(s) and no other node can take it`,
    );
  }

  private assign(task: TaskRun, session: NodeSession): void {
    const job = task.job;
    task.attempt += 1;
    task.taskId = `${job.id}.${task.chunkIndex}.${task.attempt}`;
    task.session = session;
    task.tried.add(session.id);
    task.deltas = [];
    const spec = job.spec;
    job.logger.debug({ nodeId: session.id, taskId: task.taskId, attempt: task.attempt }, "task assigned");
    session.assign(
      {
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
      },
      {
        onDelta: (text) => this.onDelta(task, session, text),
        onResult: (output, usage) => this.onResult(task, session, output, usage),
        onFailure: (failure) => this.onFailure(task, session, failure),
      },
    );
  }

  private current(task: TaskRun, session: NodeSession): boolean {
    return !task.job.finished && task.session === session && !task.done;
  }

  private onDelta(task: TaskRun, session: NodeSession, text: string): void {
    if (!this.current(task, session) || text === "") return;
    task.deltas.push(text);
    if (task.job.spec.stream && task.chunkIndex === 0) {
      task.forwarded = true;
      task.job.sink.onDelta(text, 0);
    }
  }

  private onResult(task: TaskRun, session: NodeSession, output: string, usage: Usage | undefined): void {
    if (!this.current(task, session)) return;
    const job = task.job;
    task.done = true;
    task.session = undefined;
    task.output = output !== "" ? output : task.deltas.join("");
    task.nodeId = session.id;
    task.usage = usage;
    if (job.tasks.every((t) => t.done)) this.complete(job);
  }

  private onFailure(task: TaskRun, session: NodeSession, failure: TaskFailureInfo): void {
    if (!this.current(task, session)) return;
    const job = task.job;
    task.session = undefined;
    job.logger.info({ nodeId: session.id, taskId: task.taskId, failure }, "task failed on node");
    if (failure.kind === "node-error" && failure.code === TaskErrorCode.TASK_ERROR_CODE_INVALID_INPUT) {
      this.fail(
        job,
        new SwitchyardError(ErrorCode.InvalidArgument, failure.message || "the node rejected the input"),
      );
      return;
    }
    if (task.forwarded) {
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
    job.logger.info({ nodes: tasks.map((t) => t.nodeId) }, "job succeeded");
    job.sink.onResult({
      jobId: job.id,
      output: tasks.map((t) => t.output).join(""),
      chunks: tasks.length,
      nodeIds: tasks.map((t) => t.nodeId),
      durationMs: Date.now() - job.createdAtMs,
      usage,
      model: job.spec.model,
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
