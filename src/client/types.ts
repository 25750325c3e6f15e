import type { Usage } from "../gen/switchyard/v1/common.js";

export type { Usage };

/** One message of a conversation, in order. */
export interface ChatMessage {
  /** "system", "developer", "user", "assistant" or "tool". */
  role: string;
  content: string;
  /** Optional participant name. */
  name?: string;
}

/** A job as a client describes it. */
export interface JobRequest {
  /** Task type, e.g. "chat", "echo". */
  capability: string;
  content?: string;
  params?: Record<string, unknown>;
  /** Only nodes serving this model are considered. */
  model?: string;
  /** Preferred language. */
  language?: string;
  /** The conversation, for chat jobs. */
  messages?: ChatMessage[];
  /** Deadline in ms from submission; the router's default (60 s) when absent. */
  deadlineMs?: number;
  /** Most credits the client will pay; no limit when absent. */
  maxCost?: number;
  /** Preferred node labels. */
  preferLabels?: Record<string, string>;
}

/** The outcome of a successful job. Failures are thrown as SwitchyardError. */
export interface JobOutcome {
  jobId: string;
  output: string;
  chunks: number;
  nodeIds: string[];
  cost: number;
  durationMs: number;
  usage: Usage | undefined;
  model: string;
}

/** One event of a streamed job: deltas in order, then exactly one result. */
export type JobStreamEvent =
  | { type: "delta"; text: string; chunkIndex: number }
  | { type: "result"; result: JobOutcome };

export interface CallOptions {
  /** Aborting cancels the job on its nodes. */
  signal?: AbortSignal;
  /** API key for this call, overriding the client's. */
  apiKey?: string;
}

/** A model online now. */
export interface OnlineModel {
  id: string;
  nodes: number;
  createdUnixMs: number;
}

/**
 * What the gateway needs from the router. SwitchyardClient implements it over gRPC. Every method throws
 * SwitchyardError on failure.
 */
export interface JobBackend {
  submit(request: JobRequest, options?: CallOptions): Promise<JobOutcome>;
  /** Streams a job. Breaking out of the loop, or aborting the signal, cancels the job. */
  submitStream(request: JobRequest, options?: CallOptions): AsyncIterable<JobStreamEvent>;
  listModels(options?: CallOptions): Promise<OnlineModel[]>;
}

/** A new account and its first key (shown this once). */
export interface NewAccount {
  accountId: string;
  apiKey: string;
  balance: number;
}

export interface Balance {
  balance: number;
  held: number;
  earned: number;
  spent: number;
}

export interface TransactionEntry {
  id: string;
  kind: string;
  amount: number;
  jobId: string;
  note: string;
  createdUnixMs: number;
}

export interface TransactionPage {
  transactions: TransactionEntry[];
  /** Empty on the last page. */
  nextCursor: string;
}

export interface ApiKeyEntry {
  keyId: string;
  label: string;
  prefix: string;
  role: string;
  createdUnixMs: number;
  revoked: boolean;
}

/** What the gateway's account routes need from the router. Every method throws SwitchyardError. */
export interface AccountBackend {
  createAccount(name: string, options?: CallOptions): Promise<NewAccount>;
  balance(options: CallOptions): Promise<Balance>;
  transactions(page: { limit?: number; cursor?: string }, options: CallOptions): Promise<TransactionPage>;
  createKey(label: string, options: CallOptions): Promise<{ keyId: string; apiKey: string }>;
  listKeys(options: CallOptions): Promise<ApiKeyEntry[]>;
  revokeKey(keyId: string, options: CallOptions): Promise<void>;
}

/** The network as one router replica sees it. */
export interface NetworkStatus {
  nodesOnline: number;
  capabilities: Array<{ capability: string; nodes: number; price: number }>;
  models: string[];
  jobs24h: number;
  failureRate24h: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** One online node. */
export interface NodeEntry {
  nodeId: string;
  name: string;
  capabilities: string[];
  languages: string[];
  models: string[];
  maxConcurrency: number;
  inFlight: number;
  load: number;
  draining: boolean;
  labels: Record<string, string>;
  routerId: string;
  connectedUnixMs: number;
  tasksSucceeded: number;
  tasksFailed: number;
  latencyP50Ms: number;
}

/** What the gateway's status routes need from the router. */
export interface NetworkBackend {
  status(options?: CallOptions): Promise<NetworkStatus>;
  nodes(filter?: { capability?: string; model?: string }, options?: CallOptions): Promise<NodeEntry[]>;
}

/** The routing configuration, as administrators read and change it. */
export interface RoutingConfigValues {
  weightCapability: number;
  weightLoad: number;
  weightRandom: number;
  splitThreshold: number;
  maxChunks: number;
  prices: Record<string, number>;
  defaultPrice: number;
  defaultDeadlineMs: number;
  maxDeadlineMs: number;
  maxAttempts: number;
}

export interface RoutingConfigVersion {
  version: number;
  config: RoutingConfigValues;
  author: string;
  createdUnixMs: number;
  note: string;
}

/** Admin controls (admin keys only). Every method throws SwitchyardError. */
export interface AdminBackend {
  drainNode(nodeId: string, options: CallOptions): Promise<void>;
  disconnectNode(nodeId: string, options: CallOptions): Promise<void>;
  setAccountSuspended(accountId: string, suspended: boolean, options: CallOptions): Promise<void>;
  setKeySuspended(keyId: string, suspended: boolean, options: CallOptions): Promise<void>;
  grantCredits(accountId: string, amount: number, reason: string, options: CallOptions): Promise<number>;
  pauseRouting(reason: string, options: CallOptions): Promise<void>;
  resumeRouting(options: CallOptions): Promise<void>;
  getConfig(options: CallOptions): Promise<RoutingConfigVersion>;
  updateConfig(
    config: RoutingConfigValues,
    note: string,
    options: CallOptions,
  ): Promise<RoutingConfigVersion>;
  listConfigVersions(limit: number, options: CallOptions): Promise<RoutingConfigVersion[]>;
  rollbackConfig(version: number, options: CallOptions): Promise<RoutingConfigVersion>;
}
