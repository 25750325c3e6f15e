import {
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status as Status,
} from "@grpc/grpc-js";

/** How a gRPC method streams. */
export type GrpcCallKind = "unary" | "server_stream" | "client_stream" | "bidi_stream";

/** One gRPC call, as metrics see it: bounded names only, never a peer or a request value. */
export interface GrpcCall {
  /** Fully qualified service, e.g. "switchyard.v1.JobService". */
  service: string;
  /** Method name, e.g. "SubmitStream". */
  method: string;
  kind: GrpcCallKind;
}

/** How a call ended. */
export interface GrpcCallEnded extends GrpcCall {
  /** The gRPC status sent; CANCELLED when the client went away, DEADLINE_EXCEEDED when its deadline passed. */
  code: Status;
  /** Call start to status (or cancellation). */
  durationMs: number;
}

/** Hears every call the router's gRPC server runs. Must be cheap and never throw. */
export interface GrpcCallObserver {
  callStarted?(call: GrpcCall): void;
  callEnded?(call: GrpcCallEnded): void;
}

/** Splits "/pkg.Service/Method" into its service and method. */
export function splitMethodPath(path: string): { service: string; method: string } {
  const slash = path.lastIndexOf("/");
  if (slash <= 0) return { service: "unknown", method: path.replace(/^\//, "") || "unknown" };
  return { service: path.slice(1, slash), method: path.slice(slash + 1) };
}

function kindOf(descriptor: { requestStream: boolean; responseStream: boolean }): GrpcCallKind {
  if (descriptor.requestStream) return descriptor.responseStream ? "bidi_stream" : "client_stream";
  return descriptor.responseStream ? "server_stream" : "unary";
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // an observer must not break a call
  }
}

/**
 * How close to its deadline a cancelled call counts as one whose deadline passed. A client whose deadline
 * passes resets the stream, which reaches the server about when the server's own copy of the deadline
 * (the client's timeout counted from the moment the server read the call) passes: a little before it
 * when the server read the call late, as it does when its event loop is busy.
 */
const DEADLINE_TOLERANCE_MS = 25;

/**
 * A server interceptor that reports each call's start and end to `observer`: the status the handler
 * sent, or CANCELLED / DEADLINE_EXCEEDED when the call ended without one. It applies to every method of
 * every service the server registered, whatever the handler; grpc-js answers paths it does not know
 * before interceptors run, so service and method names stay a bounded set.
 */
export function observingInterceptor(observer: GrpcCallObserver): ServerInterceptor {
  return (descriptor, call: ServerInterceptingCallInterface) => {
    const info: GrpcCall = { ...splitMethodPath(descriptor.path), kind: kindOf(descriptor) };
    const started = performance.now();
    let ended = false;
    const end = (code: Status): void => {
      if (ended) return;
      ended = true;
      safely(() => observer.callEnded?.({ ...info, code, durationMs: performance.now() - started }));
    };
    safely(() => observer.callStarted?.(info));
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          // Also called after a status went out; `end` keeps the first outcome.
          onCancel: () => {
            const deadline = Number(call.getDeadline());
            end(
              Number.isFinite(deadline) && Date.now() >= deadline - DEADLINE_TOLERANCE_MS
                ? Status.DEADLINE_EXCEEDED
                : Status.CANCELLED,
            );
          },
        }),
      sendStatus: (status, next) => {
        end(status.code);
        next(status);
      },
    });
  };
}
