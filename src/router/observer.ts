/** How a job ended, as metrics and statistics see it: "succeeded" or an error catalogue code. */
export type JobOutcomeLabel = string;

export interface JobFinished {
  capability: string;
  outcome: JobOutcomeLabel;
  /** Submission to outcome. */
  durationMs: number;
  /** Time not spent on nodes: duration minus the longest chunk's time on its node (0 when no node ran). */
  overheadMs: number;
  chunks: number;
}

export interface TaskFinished {
  capability: string;
  nodeId: string;
  ok: boolean;
  /** Assignment to answer, on the node. */
  durationMs: number;
}

/**
 * Receives the router's events, for metrics and statistics. Every method is optional and must be
 * cheap and never throw: it runs on the routing path.
 */
export interface RouterObserver {
  jobAccepted?(capability: string, chunks: number): void;
  jobFinished?(event: JobFinished): void;
  /** A task (one attempt of one chunk) was given to a node; `remote` when it went through the bus. */
  taskAssigned?(capability: string, remote: boolean): void;
  taskFinished?(event: TaskFinished): void;
  /** A chunk is tried again on another node. */
  taskRetried?(capability: string): void;
}

/** Calls every observer; one that throws is ignored so routing carries on. */
export function combineObservers(observers: RouterObserver[]): Required<RouterObserver> {
  const call = <K extends keyof RouterObserver>(
    name: K,
    args: Parameters<NonNullable<RouterObserver[K]>>,
  ) => {
    for (const o of observers) {
      try {
        (o[name] as ((...a: unknown[]) => void) | undefined)?.(...args);
      } catch {
        // an observer must not break routing
      }
    }
  };
  return {
    jobAccepted: (...a) => call("jobAccepted", a),
    jobFinished: (...a) => call("jobFinished", a),
    taskAssigned: (...a) => call("taskAssigned", a),
    taskFinished: (...a) => call("taskFinished", a),
    taskRetried: (...a) => call("taskRetried", a),
  };
}
