import type { SwitchyardError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { ChatMessage, Usage } from "../../gen/switchyard/v1/common.js";
import type { Requirement } from "../scoring/score.js";
import type { NodeSession } from "../sessions/node-session.js";

/** A validated job, as the scheduler runs it. */
export interface JobSpec {
  capability: string;
  content: string;
  params: Record<string, unknown>;
  model: string;
  language: string;
  messages: ChatMessage[];
  preferLabels: Record<string, string>;
  /** Effective deadline from submission, already bounded by the router's maximum. */
  deadlineMs: number;
  /** True when the client wants deltas as they are produced. */
  stream: boolean;
}

/** The outcome of a successful job. */
export interface JobOutput {
  jobId: string;
  output: string;
  chunks: number;
  nodeIds: string[];
  durationMs: number;
  usage: Usage | undefined;
  model: string;
}

/** Where a job's events go: the gRPC call that submitted it. */
export interface JobSink {
  onDelta(text: string, chunkIndex: number): void;
  onResult(result: JobOutput): void;
  onError(error: SwitchyardError): void;
}

/** One chunk of a job (the whole job when it is not split) and its attempts. */
export class TaskRun {
  /** Attempts made so far; the current task id ends with it. */
  attempt = 0;
  /** Nodes already tried, avoided on retry. */
  readonly tried = new Set<string>();
  /** The session working on the current attempt, if any. */
  session: NodeSession | undefined;
  taskId = "";
  /** Deltas of the current attempt. */
  deltas: string[] = [];
  /** True once a delta of this task reached the client: retrying would repeat output. */
  forwarded = false;
  queued = false;
  done = false;
  output = "";
  nodeId = "";
  usage: Usage | undefined;

  constructor(
    readonly job: Job,
    readonly chunkIndex: number,
    readonly chunkCount: number,
    readonly content: string,
  ) {}

  /** Key in the wait queue. */
  get key(): string {
    return `${this.job.id}.${this.chunkIndex}`;
  }
}

/** A job in flight. Finishes exactly once: with a result or an error. */
export class Job {
  readonly createdAtMs = Date.now();
  readonly deadlineAtMs: number;
  readonly requirement: Requirement;
  tasks: TaskRun[] = [];
  finished = false;
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly spec: JobSpec,
    readonly sink: JobSink,
    readonly logger: Logger,
  ) {
    this.deadlineAtMs = this.createdAtMs + spec.deadlineMs;
    const requirement: Requirement = { capability: spec.capability };
    if (spec.model) requirement.model = spec.model;
    if (spec.language) requirement.language = spec.language;
    if (Object.keys(spec.preferLabels).length > 0) requirement.preferLabels = spec.preferLabels;
    this.requirement = requirement;
  }
}
