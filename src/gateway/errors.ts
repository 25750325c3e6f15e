import { ErrorCode, SwitchyardError, toSwitchyardError } from "../core/errors.js";

/** What the gateway reads from an error Fastify raised itself. */
interface FastifyErrorShape {
  code: string;
  statusCode?: number;
  validation?: unknown;
}

function fastifyShape(err: unknown): FastifyErrorShape | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("FST_")) return undefined;
  const statusCode = (err as { statusCode?: unknown }).statusCode;
  const shape: FastifyErrorShape = { code, validation: (err as { validation?: unknown }).validation };
  if (typeof statusCode === "number") shape.statusCode = statusCode;
  return shape;
}

/**
 * Turns an Ajv validation failure (raised when a route uses a JSON schema) into a dotted OpenAI `param`
 * such as `messages[0].role`.
 */
function validationParam(validation: unknown): string | undefined {
  if (!Array.isArray(validation)) return undefined;
  const first: unknown = validation[0];
  if (typeof first !== "object" || first === null) return undefined;
  const { instancePath, params } = first as { instancePath?: unknown; params?: unknown };
  const segments = typeof instancePath === "string" ? instancePath.split("/").filter((s) => s !== "") : [];
  const missing = (params as { missingProperty?: unknown } | undefined)?.missingProperty;
  if (typeof missing === "string") segments.push(missing);
  if (segments.length === 0) return undefined;
  return segments.reduce(
    (path, seg) => (/^\d+$/.test(seg) ? `${path}[${seg}]` : path ? `${path}.${seg}` : seg),
    "",
  );
}

/**
 * Maps anything thrown while serving an HTTP request to the one error catalogue. Fastify's own errors are
 * recognised by their `code` (never by message text): an unparseable or empty JSON body and a body that
 * does not match its declared length become `invalid_argument` (400), a body over the limit
 * `payload_too_large` (413), and an unsupported content type `invalid_argument` (400: the catalogue has
 * no 415). Any other Fastify client error (4xx) becomes a generic `invalid_argument`; everything else
 * goes through `toSwitchyardError`, so unexpected failures come out as `internal` with a generic message.
 */
export function toGatewayError(err: unknown): SwitchyardError {
  if (err instanceof SwitchyardError) return err;
  const fst = fastifyShape(err);
  if (fst === undefined) return toSwitchyardError(err);
  switch (fst.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new SwitchyardError(ErrorCode.PayloadTooLarge, "The request body is too large.", { cause: err });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new SwitchyardError(
        ErrorCode.InvalidArgument,
        "Unsupported content type; send the request body as application/json.",
        { cause: err },
      );
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new SwitchyardError(ErrorCode.InvalidArgument, "The request body is not valid JSON.", {
        cause: err,
      });
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new SwitchyardError(
        ErrorCode.InvalidArgument,
        "The request body does not match its Content-Length.",
        {
          cause: err,
        },
      );
    case "FST_ERR_VALIDATION": {
      const param = validationParam(fst.validation);
      return new SwitchyardError(
        ErrorCode.InvalidArgument,
        param === undefined ? "The request is invalid." : `Invalid value for '${param}'.`,
        param === undefined ? { cause: err } : { cause: err, param },
      );
    }
    case "FST_ERR_BAD_URL":
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new SwitchyardError(ErrorCode.InvalidArgument, "The request URL is not valid.", { cause: err });
    default:
      if (fst.statusCode !== undefined && fst.statusCode >= 400 && fst.statusCode < 500) {
        return new SwitchyardError(ErrorCode.InvalidArgument, "The request could not be processed.", {
          cause: err,
        });
      }
      return toSwitchyardError(err);
  }
}
