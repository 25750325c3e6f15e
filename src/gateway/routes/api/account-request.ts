import { invalidArgument } from "../../../core/errors.js";
import { isJsonObject, type JsonObject, optionalString } from "../openai/fields.js";

/** Most transactions one page may ask for (the ledger's limit). */
export const MAX_PAGE_LIMIT = 500;

/** A validated `limit`/`cursor` query; absent fields take the router's defaults (50, newest first). */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}

/**
 * A body whose fields are all optional: absent (no body at all) reads as `{}`, anything but a JSON
 * object is invalid_argument.
 */
export function optionalBodyObject(body: unknown): JsonObject {
  if (body === undefined || body === null) return {};
  if (!isJsonObject(body)) throw invalidArgument("The request body must be a JSON object.");
  return body;
}

/** The name an account gets when its creator gives none (the ledger requires one). */
export const DEFAULT_ACCOUNT_NAME = "unnamed";

/**
 * The `name` of `POST /api/v1/accounts` (and the seed system's `/register`), trimmed;
 * `DEFAULT_ACCOUNT_NAME` when absent or blank. The router checks its length.
 */
export function parseAccountName(body: unknown): string {
  const name = optionalString(optionalBodyObject(body).name, "name")?.trim() ?? "";
  return name === "" ? DEFAULT_ACCOUNT_NAME : name;
}

/** The `label` of `POST /api/v1/keys`; "" when absent. */
export function parseKeyLabel(body: unknown): string {
  return optionalString(optionalBodyObject(body).label, "label") ?? "";
}

/**
 * One query parameter as a string: undefined when absent, invalid_argument naming it when it was sent
 * more than once.
 */
export function singleQueryValue(query: unknown, name: string): string | undefined {
  if (!isJsonObject(query)) return undefined;
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalidArgument(`Send the '${name}' parameter only once.`, name);
  return value;
}

/**
 * The paging parameters of `GET /api/v1/transactions` and `/history`: `limit` an integer from 1 to 500,
 * `cursor` the opaque `next_cursor` of the page before (checked by the router). Empty values count as
 * absent. Throws invalid_argument naming the parameter.
 */
export function parsePageQuery(query: unknown): PageQuery {
  const page: PageQuery = {};
  const limit = singleQueryValue(query, "limit")?.trim();
  if (limit !== undefined && limit !== "") {
    const n = /^\d+$/.test(limit) ? Number(limit) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PAGE_LIMIT) {
      throw invalidArgument(`'limit' must be an integer from 1 to ${MAX_PAGE_LIMIT}.`, "limit");
    }
    page.limit = n;
  }
  const cursor = singleQueryValue(query, "cursor");
  if (cursor !== undefined && cursor !== "") page.cursor = cursor;
  return page;
}
