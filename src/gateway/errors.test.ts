import { describe, expect, it } from "vitest";
import { SwitchyardError } from "../core/errors.js";
import { toGatewayError } from "./errors.js";

/** An error shaped like the ones Fastify raises. */
function fastifyError(code: string, statusCode?: number, extra: object = {}): Error {
  return Object.assign(new Error("some text that must not matter"), { code, statusCode, ...extra });
}

describe("toGatewayError", () => {
  it("passes SwitchyardErrors through", () => {
    const err = new SwitchyardError("rate_limited", "slow down", { retryAfterSeconds: 3 });
    expect(toGatewayError(err)).toBe(err);
  });

  it.each([
    ["FST_ERR_CTP_BODY_TOO_LARGE", 413, "payload_too_large"],
    ["FST_ERR_CTP_INVALID_MEDIA_TYPE", 415, "invalid_argument"],
    ["FST_ERR_CTP_INVALID_JSON_BODY", 400, "invalid_argument"],
    ["FST_ERR_CTP_EMPTY_JSON_BODY", 400, "invalid_argument"],
    ["FST_ERR_CTP_INVALID_CONTENT_LENGTH", 400, "invalid_argument"],
    ["FST_ERR_BAD_URL", 400, "invalid_argument"],
    ["FST_ERR_SOMETHING_NEW", 400, "invalid_argument"],
    ["FST_ERR_SOMETHING_BROKEN", 500, "internal"],
  ])("maps %s by its code", (code, status, expected) => {
    const err = toGatewayError(fastifyError(code, status));
    expect(err.code).toBe(expected);
    expect(err.message).not.toContain("must not matter");
  });

  it("maps the status to the catalogue", () => {
    expect(toGatewayError(fastifyError("FST_ERR_CTP_BODY_TOO_LARGE", 413)).httpStatus).toBe(413);
    expect(toGatewayError(fastifyError("FST_ERR_CTP_INVALID_JSON_BODY", 400)).toOpenAI().error.type).toBe(
      "invalid_request_error",
    );
  });

  it("names the field of a schema validation failure", () => {
    const validation = [{ instancePath: "/messages/0", params: { missingProperty: "role" } }];
    const err = toGatewayError(fastifyError("FST_ERR_VALIDATION", 400, { validation }));
    expect(err.code).toBe("invalid_argument");
    expect(err.param).toBe("messages[0].role");
  });

  it("hides unexpected errors behind a generic message, keeping the cause", () => {
    const cause = new TypeError("secret detail");
    const err = toGatewayError(cause);
    expect(err.httpStatus).toBe(500);
    expect(err.message).not.toContain("secret");
    expect(err.cause).toBe(cause);
  });
});
