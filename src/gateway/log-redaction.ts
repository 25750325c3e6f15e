/**
 * Query parameters whose values are secrets. `api_key` is how clients of the seed system send their
 * key on GET requests; the others are common spellings clients use for the same thing.
 */
const SECRET_PARAMS: ReadonlySet<string> = new Set([
  "api_key",
  "apikey",
  "key",
  "token",
  "access_token",
  "authorization",
]);

/** What a redacted value is replaced with. */
export const REDACTED = "[redacted]";

function paramName(raw: string): string {
  const plus = raw.replace(/\+/g, " ");
  try {
    return decodeURIComponent(plus).toLowerCase();
  } catch {
    return plus.toLowerCase();
  }
}

/**
 * The URL with the value of every secret query parameter (`api_key`, `token`, …, in any case and any
 * percent-encoding of the name) replaced by `[redacted]`. Everything else is left byte for byte as it
 * came, so the log still shows what the client sent.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const hash = url.indexOf("#", q);
  const end = hash < 0 ? url.length : hash;
  const pairs = url.slice(q + 1, end).split("&");
  let changed = false;
  const redacted = pairs.map((pair) => {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (!SECRET_PARAMS.has(paramName(name))) return pair;
    changed = true;
    return `${name}=${REDACTED}`;
  });
  if (!changed) return url;
  return `${url.slice(0, q + 1)}${redacted.join("&")}${url.slice(end)}`;
}

/** The parts of a request Fastify's `req` serializer reads. */
export interface LoggedRequest {
  method: string;
  url: string;
  host?: string | undefined;
  ip?: string | undefined;
  socket?: { remotePort?: number | undefined } | undefined;
}

/**
 * The `req` serializer of the gateway's logger: the fields Fastify logs by default (method, URL,
 * host, client address and port) with secret query values redacted. Headers are not logged.
 */
export function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
