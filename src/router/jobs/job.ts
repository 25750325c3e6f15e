import type { SwitchyardError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { ChatMessage, Usage } from "../../gen/switchyard/v1/common.js";
import type { Requirement } from "../scoring/score.js";

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
  /** Most credits the client will pay; 0 means no limit. */
  maxCost: number;
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
  /** Credits charged. */
  cost: number;
}

/** Where a job's events go: the gRPC call that submitted it. */
export interface JobSink {
  onDelta(text: string, chunkIndex: number): void;
  onResult(result: JobOutput): void;
  onError(error: SwitchyardError): void;
}

/** Where one attempt of a task runs: a node on this replica or on another. */
export interface TaskHandle {
  readonly nodeId: string;
  /** Asks the node to stop the attempt. */
  cancel(reason: string): void;
}

/** One chunk of a job (the whole job when it is not split) and its attempts. */
export class TaskRun {
  /** Attempts made so far; the current task id ends with it. */
  attempt = 0;
  /** Nodes already tried, avoided on retry. */
  readonly tried = new Set<string>();
  /** The current attempt, if one is running. */
  handle: TaskHandle | undefined;
  taskId = "";
  /** Deltas of the current attempt. */
  deltas: string[] = [];
  /** Text of this chunk already sent to the client: a retry would repeat it, so none is made. */
  streamed = "";
  queued = false;
  done = false;
  output = "";
  nodeId = "";
  /** When the current attempt was given to its node. */
  assignedAtMs = 0;
  /** Time the successful attempt spent on its node. */
  nodeMs = 0;
  /** Operator account and name of the node that produced the output, for its reward. */
  payee: { operator: string; nodeName: string } | undefined;
  usage: Usage | undefined;

  constructor(
    readonly job: Job,
    readonly chunkIndex: number,
    readonly content: string,
  ) {}

  /** Key in the wait queue. */
  get key(): string {
    return `${this.job.id}.${this.chunkIndex}`;
  }

  get chunkCount(): number {
    return this.job.tasks.length;
  }
}

/** What a job asks of a node; a split job's chunks need nodes that declare the capability splittable. */
export function requirementOf(spec: JobSpec, split: boolean): Requirement {
  const req: Requirement = { capability: spec.capability };
  if (spec.model) req.model = spec.model;
  if (spec.language) req.language = spec.language;
  if (Object.keys(spec.preferLabels).length > 0) req.preferLabels = spec.preferLabels;
  if (split) req.splittable = true;
  return req;
}

/** A job in flight. Finishes exactly once: with a result or an error. */
export class Job {
  readonly createdAtMs = Date.now();
  readonly deadlineAtMs: number;
  readonly requirement: Requirement;
  tasks: TaskRun[] = [];
  /** Separators between chunks: the output is chunk0 + sep0 + chunk1 + … */
  separators: string[] = [];
  /** Nodes given a chunk of this job, avoided for its other chunks where others are free. */
  readonly used = new Set<string>();
  /** Index of the chunk whose deltas stream to the client now (streamed jobs). */
  streamCursor = 0;
  /** Credits held for the job. */
  cost = 0;
  finished = false;
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly spec: JobSpec,
    readonly sink: JobSink,
    readonly logger: Logger,
    split: boolean,
  ) {
    this.deadlineAtMs = this.createdAtMs + spec.deadlineMs;
    this.requirement = requirementOf(spec, split);
  }

  /** Sets the chunks: one task per chunk, in order. */
  setChunks(chunks: string[], separators: string[]): void {
    this.tasks = chunks.map((content, i) => new TaskRun(this, i, content));
    this.separators = separators;
  }
}
