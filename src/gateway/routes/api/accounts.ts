import type { FastifyInstance } from "fastify";
import { ErrorCode, SwitchyardError } from "../../../core/errors.js";
import { abortOnDisconnect } from "../../disconnect.js";
import type { RateLimiter } from "../../rate-limiter.js";
import { parseAccountName, parsePageQuery, singleQueryValue } from "./account-request.js";
import { keyedCall, legacyKey, requireKey } from "./auth.js";
import { toAccountBody, toBalanceBody, toTransactionPageBody } from "./bodies.js";
import type { ApiRouteOptions } from "./options.js";

/** Throws rate_limited (429 with Retry-After) when `address` has used up its allowance. */
async function admit(limiter: RateLimiter, address: string): Promise<void> {
  const decision = await limiter.take(address);
  if (!decision.allowed) {
    throw new SwitchyardError(
      ErrorCode.RateLimited,
      "Too many accounts created from this address; try again later.",
      { retryAfterSeconds: decision.retryAfterSeconds },
    );
  }
}

/**
 * The account routes of the native API:
 * - `POST /api/v1/accounts` `{name?}` → 201 `{account_id, api_key, balance}`; no key needed, limited per
 *   client address (429 with Retry-After beyond the limit; every attempt counts, even a refused one).
 * - `POST /api/v1/register`: the seed system's name for the same call; answers 200, shares the limit.
 * - `GET /api/v1/balance` → `{balance, held, earned, spent}`.
 * - `GET /api/v1/transactions?limit=&cursor=` → `{transactions, next_cursor}`, newest first.
 * - `GET /api/v1/history`: the seed system's name for transactions. Its key may also come as
 *   `?api_key=`, which exists only for those clients: a key in a URL ends up in proxies' and browsers'
 *   histories, so new clients send `Authorization: Bearer <key>`. The gateway's own request log redacts
 *   it.
 */
export function registerAccounts(app: FastifyInstance, { backend, accountLimiter }: ApiRouteOptions): void {
  const createAccount = async (address: string, body: unknown, signal: AbortSignal) => {
    await admit(accountLimiter, address);
    const name = parseAccountName(body);
    return toAccountBody(await backend.createAccount(name, { signal }));
  };

  app.post("/api/v1/accounts", async (request, reply) => {
    const { signal } = abortOnDisconnect(reply.raw);
    const body = await createAccount(request.ip, request.body, signal);
    return reply.code(201).send(body);
  });

  app.post("/api/v1/register", async (request, reply) => {
    const { signal } = abortOnDisconnect(reply.raw);
    return createAccount(request.ip, request.body, signal);
  });

  app.get("/api/v1/balance", async (request, reply) => {
    const call = keyedCall(reply, requireKey(request));
    return toBalanceBody(await backend.balance(call.options));
  });

  app.get("/api/v1/transactions", async (request, reply) => {
    const call = keyedCall(reply, requireKey(request));
    const page = parsePageQuery(request.query);
    return toTransactionPageBody(await backend.transactions(page, call.options));
  });

  app.get("/api/v1/history", async (request, reply) => {
    const queryKey = legacyKey(singleQueryValue(request.query, "api_key"), "api_key");
    const call = keyedCall(reply, requireKey(request, queryKey));
    const page = parsePageQuery(request.query);
    return toTransactionPageBody(await backend.transactions(page, call.options));
  });
}
