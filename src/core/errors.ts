import { status as GrpcStatus, Metadata, type ServiceError } from "@grpc/grpc-js";

/**
 * The one error catalogue. Every failure that crosses a boundary (gRPC, HTTP, the node protocol) is a
 * SwitchyardError with one of these codes, and each code maps once to a gRPC status, an HTTP status and
 * the OpenAI error body.
 */
export const ErrorCode = {
  /** No key, or a key that is unknown or revoked. */
  Unauthenticated: "unauthenticated",
  /** The caller is known but not allowed: suspended, or not an admin. */
  PermissionDenied: "permission_denied",
  /** The request is malformed or has a bad value. */
  InvalidArgument: "invalid_argument",
  /** The request body is larger than the limit. */
  PayloadTooLarge: "payload_too_large",
  /** Not enough credits, or the cost is over the client's max_cost. */
  InsufficientCredits: "insufficient_credits",
  /** No node serves the capability or model. */
  NotFound: "not_found",
  /** Too many requests, or the job queue is full. */
  RateLimited: "rate_limited",
  /** Routing is paused, the router is shutting down, or a back-end is down. */
  Unavailable: "unavailable",
  /** The job's deadline passed before it finished. */
  DeadlineExceeded: "deadline_exceeded",
  /** A node failed the work on every attempt. */
  UpstreamFailed: "upstream_failed",
  /** The client cancelled the job. */
  Cancelled: "cancelled",
  /** A bug or an unexpected failure inside Switchyard. */
  Internal: "internal",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

interface Mapping {
  grpc: GrpcStatus;
  http: number;
  openaiType: string;
  openaiCode: string | null;
}

const MAPPINGS: Record<ErrorCode, Mapping> = {
  unauthenticated: {
    grpc: GrpcStatus.UNAUTHENTICATED,
    http: 401,
    openaiType: "authentication_error",
    openaiCode: "invalid_api_key",
  },
  permission_denied: {
    grpc: GrpcStatus.PERMISSION_DENIED,
    http: 403,
    openaiType: "permission_error",
    openaiCode: "permission_denied",
  },
  invalid_argument: {
    grpc: GrpcStatus.INVALID_ARGUMENT,
    http: 400,
    openaiType: "invalid_request_error",
    openaiCode: null,
  },
  payload_too_large: {
    grpc: GrpcStatus.INVALID_ARGUMENT,
    http: 413,
    openaiType: "invalid_request_error",
    openaiCode: "payload_too_large",
  },
  insufficient_credits: {
    grpc: GrpcStatus.FAILED_PRECONDITION,
    http: 402,
    openaiType: "insufficient_quota",
    openaiCode: "insufficient_quota",
  },
  not_found: {
    grpc: GrpcStatus.NOT_FOUND,
    http: 404,
    openaiType: "invalid_request_error",
    openaiCode: "model_not_found",
  },
  rate_limited: {
    grpc: GrpcStatus.RESOURCE_EXHAUSTED,
    http: 429,
    openaiType: "rate_limit_exceeded",
    openaiCode: "rate_limit_exceeded",
  },
  unavailable: {
    grpc: GrpcStatus.UNAVAILABLE,
    http: 503,
    openaiType: "service_unavailable",
    openaiCode: "service_unavailable",
  },
  deadline_exceeded: {
    grpc: GrpcStatus.DEADLINE_EXCEEDED,
    http: 504,
    openaiType: "timeout",
    openaiCode: "timeout",
  },
  upstream_failed: {
    grpc: GrpcStatus.ABORTED,
    http: 502,
    openaiType: "upstream_error",
    openaiCode: "upstream_error",
  },
  cancelled: {
    grpc: GrpcStatus.CANCELLED,
    http: 499,
    openaiType: "invalid_request_error",
    openaiCode: "cancelled",
  },
  internal: {
    grpc: GrpcStatus.INTERNAL,
    http: 500,
    openaiType: "api_error",
    openaiCode: "internal_error",
  },
};

/** Trailing metadata key that carries the precise catalogue code next to the gRPC status. */
export const ERROR_CODE_METADATA_KEY = "switchyard-error-code";
/** Trailing metadata key that names the offending request field, when there is one. */
export const ERROR_PARAM_METADATA_KEY = "switchyard-error-param";
/** Trailing metadata key with the seconds after which a rate-limited call may be retried. */
export const RETRY_AFTER_METADATA_KEY = "switchyard-retry-after";

export interface SwitchyardErrorOptions {
  /** The request field at fault, reported as `param` in the OpenAI body. */
  param?: string;
  /** For rate_limited: seconds until a retry may succeed (HTTP Retry-After). */
  retryAfterSeconds?: number;
  /** The underlying error, kept for logs and never sent to a client. */
  cause?: unknown;
}

/**
 * Thrown by every Switchyard component for any failure a caller should see. `message` is safe to send
 * to a client; `cause` is for logs only.
 */
export class SwitchyardError extends Error {
  override readonly name = "SwitchyardError";
  readonly code: ErrorCode;
  readonly param: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: SwitchyardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.param = options.param;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get grpcStatus(): GrpcStatus {
    return MAPPINGS[this.code].grpc;
  }

  get httpStatus(): number {
    return MAPPINGS[this.code].http;
  }

  /** The OpenAI-compatible error body. */
  toOpenAI(): { error: { message: string; type: string; code: string | null; param: string | null } } {
    const m = MAPPINGS[this.code];
    return {
      error: { message: this.message, type: m.openaiType, code: m.openaiCode, param: this.param ?? null },
    };
  }

  /** A gRPC status object for `callback(err)` or `call.emit("error", err)`. */
  toGrpc(): Partial<ServiceError> & { code: GrpcStatus; details: string; metadata: Metadata } {
    const metadata = new Metadata();
    metadata.set(ERROR_CODE_METADATA_KEY, this.code);
    if (this.param !== undefined) metadata.set(ERROR_PARAM_METADATA_KEY, this.param);
    if (this.retryAfterSeconds !== undefined) {
      metadata.set(RETRY_AFTER_METADATA_KEY, String(this.retryAfterSeconds));
    }
    return { code: this.grpcStatus, details: this.message, metadata, message: this.message };
  }
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

const GRPC_FALLBACK: Partial<Record<GrpcStatus, ErrorCode>> = {
  [GrpcStatus.UNAUTHENTICATED]: ErrorCode.Unauthenticated,
  [GrpcStatus.PERMISSION_DENIED]: ErrorCode.PermissionDenied,
  [GrpcStatus.INVALID_ARGUMENT]: ErrorCode.InvalidArgument,
  [GrpcStatus.FAILED_PRECONDITION]: ErrorCode.InsufficientCredits,
  [GrpcStatus.NOT_FOUND]: ErrorCode.NotFound,
  [GrpcStatus.RESOURCE_EXHAUSTED]: ErrorCode.RateLimited,
  [GrpcStatus.UNAVAILABLE]: ErrorCode.Unavailable,
  [GrpcStatus.DEADLINE_EXCEEDED]: ErrorCode.DeadlineExceeded,
  [GrpcStatus.ABORTED]: ErrorCode.UpstreamFailed,
  [GrpcStatus.CANCELLED]: ErrorCode.Cancelled,
  // A service the router does not run (accounts without a ledger): not available here.
  [GrpcStatus.UNIMPLEMENTED]: ErrorCode.Unavailable,
};

function isServiceError(err: unknown): err is ServiceError {
  return (
    typeof err === "object" &&
    err !== null &&
    typeof (err as { code?: unknown }).code === "number" &&
    (err as { metadata?: unknown }).metadata instanceof Metadata
  );
}

/** Reads a SwitchyardError back out of a gRPC error received by a client. */
export function fromGrpcError(err: ServiceError): SwitchyardError {
  const first = (key: string): string | undefined => {
    const v = err.metadata.get(key)[0];
    return v === undefined ? undefined : String(v);
  };
  const tagged = first(ERROR_CODE_METADATA_KEY);
  const code: ErrorCode =
    tagged !== undefined && KNOWN_CODES.has(tagged)
      ? (tagged as ErrorCode)
      : (GRPC_FALLBACK[err.code as GrpcStatus] ?? ErrorCode.Internal);
  const retry = first(RETRY_AFTER_METADATA_KEY);
  const options: SwitchyardErrorOptions = { cause: err };
  const param = first(ERROR_PARAM_METADATA_KEY);
  if (param !== undefined) options.param = param;
  if (retry !== undefined) options.retryAfterSeconds = Number(retry);
  return new SwitchyardError(code, err.details || err.message, options);
}

/**
 * Converts anything thrown into a SwitchyardError. Errors that are not already Switchyard's become
 * `internal` with a generic message; the original is kept as `cause` for the logs.
 */
export function toSwitchyardError(err: unknown): SwitchyardError {
  if (err instanceof SwitchyardError) return err;
  if (isServiceError(err)) return fromGrpcError(err);
  if (err instanceof Error && err.name === "AbortError") {
    return new SwitchyardError(ErrorCode.Cancelled, "the operation was cancelled", { cause: err });
  }
  return new SwitchyardError(ErrorCode.Internal, "internal error", { cause: err });
}

/** Shorthand for an invalid_argument error about one field. */
export function invalidArgument(message: string, param?: string): SwitchyardError {
  return new SwitchyardError(ErrorCode.InvalidArgument, message, param === undefined ? {} : { param });
}
