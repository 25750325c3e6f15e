import { Metadata, status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ErrorCode, fromGrpcError, SwitchyardError, toSwitchyardError } from "./errors.js";

describe("error catalogue", () => {
  it.each<[ErrorCode, status, number, string]>([
    [ErrorCode.Unauthenticated, status.UNAUTHENTICATED, 401, "authentication_error"],
    [ErrorCode.PermissionDenied, status.PERMISSION_DENIED, 403, "permission_error"],
    [ErrorCode.InvalidArgument, status.INVALID_ARGUMENT, 400, "invalid_request_error"],
    [ErrorCode.PayloadTooLarge, status.INVALID_ARGUMENT, 413, "invalid_request_error"],
    [ErrorCode.InsufficientCredits, status.FAILED_PRECONDITION, 402, "insufficient_quota"],
    [ErrorCode.NotFound, status.NOT_FOUND, 404, "invalid_request_error"],
    [ErrorCode.RateLimited, status.RESOURCE_EXHAUSTED, 429, "rate_limit_exceeded"],
    [ErrorCode.Unavailable, status.UNAVAILABLE, 503, "service_unavailable"],
    [ErrorCode.DeadlineExceeded, status.DEADLINE_EXCEEDED, 504, "timeout"],
    [ErrorCode.UpstreamFailed, status.ABORTED, 502, "upstream_error"],
  ])("maps %s to gRPC %i, HTTP %i, OpenAI %s", (code, grpc, http, type) => {
    const err = new SwitchyardError(code, "m");
    expect(err.grpcStatus).toBe(grpc);
    expect(err.httpStatus).toBe(http);
    expect(err.toOpenAI().error.type).toBe(type);
  });

  it("round-trips through gRPC status and metadata, keeping code, param and retry-after", () => {
    const sent = new SwitchyardError(ErrorCode.PayloadTooLarge, "too big", {
      param: "content",
      retryAfterSeconds: 3,
    });
    const wire = sent.toGrpc();
    const back = fromGrpcError({ ...wire, name: "Error", message: wire.details } as never);
    expect(back).toMatchObject({
      code: "payload_too_large",
      message: "too big",
      param: "content",
      retryAfterSeconds: 3,
    });
  });

  it("falls back to the gRPC status when the code metadata is absent", () => {
    const err = fromGrpcError({ code: status.NOT_FOUND, details: "x", metadata: new Metadata() } as never);
    expect(err.code).toBe(ErrorCode.NotFound);
  });

  it("turns unknown errors into internal ones without leaking their message", () => {
    const err = toSwitchyardError(new Error("password=hunter2"));
    expect(err.code).toBe(ErrorCode.Internal);
    expect(err.message).toBe("internal error");
    expect(err.toOpenAI().error.message).not.toContain("hunter2");
  });
});
