import { ErrorCode, invalidArgument, SwitchyardError } from "../core/errors.js";
import { displayPrefix, generateApiKey, hashApiKey, newId } from "./keys.js";
import { requirePositiveInt, requireText, toInt, toMs } from "./money.js";
import type { SqlExecutor } from "./sql-client.js";
import type { CreatedAccount, CreatedKey, KeyInfo, Role } from "./types.js";

/** Account and key storage. Functions take an executor so callers choose the transaction. */

function requireRole(role: unknown): Role {
  if (role !== "user" && role !== "admin") throw invalidArgument('role must be "user" or "admin"', "role");
  return role;
}

function requireLabel(label: unknown): string {
  if (label === undefined) return "";
  if (typeof label !== "string" || label.length > 200) {
    throw invalidArgument("label must be a string of at most 200 characters", "label");
  }
  return label;
}

function accountNotFound(): SwitchyardError {
  return new SwitchyardError(ErrorCode.NotFound, "no such account", { param: "account_id" });
}

async function insertKey(
  tx: SqlExecutor,
  accountId: string,
  label: string,
  role: Role,
): Promise<CreatedKey & { inserted: boolean }> {
  const apiKey = generateApiKey();
  const keyId = newId("key");
  const result = await tx.query(
    `INSERT INTO api_keys (id, account_id, role, label, prefix, hash)
     SELECT $1, id, $3, $4, $5, $6 FROM accounts WHERE id = $2`,
    [keyId, accountId, role, label, displayPrefix(apiKey), hashApiKey(apiKey)],
  );
  return { keyId, apiKey, inserted: result.rowCount === 1 };
}

/** Inserts an account, its first key and its opening grant. Run inside one transaction. */
export async function insertAccount(
  tx: SqlExecutor,
  input: { name: string; role?: Role },
  openingGrant: number,
): Promise<CreatedAccount> {
  const name = requireText(input.name, "name");
  const role = requireRole(input.role ?? "user");
  const accountId = newId("acc");
  await tx.query("INSERT INTO accounts (id, name, balance) VALUES ($1, $2, $3)", [
    accountId,
    name,
    openingGrant,
  ]);
  if (openingGrant > 0) {
    await tx.query(
      "INSERT INTO transactions (account_id, kind, amount, note) VALUES ($1, 'grant', $2, 'opening balance')",
      [accountId, openingGrant],
    );
  }
  const key = await insertKey(tx, accountId, "default", role);
  return { accountId, apiKey: key.apiKey, keyId: key.keyId, balance: openingGrant };
}

/** Adds a key to an account. Throws not_found for an unknown account, invalid_argument for bad input. */
export async function addKey(
  db: SqlExecutor,
  accountId: string,
  input: { label?: string; role?: Role },
): Promise<CreatedKey> {
  const key = await insertKey(db, accountId, requireLabel(input.label), requireRole(input.role ?? "user"));
  if (!key.inserted) throw accountNotFound();
  return { keyId: key.keyId, apiKey: key.apiKey };
}

interface KeyRow {
  id: string | null;
  label: string;
  role: Role;
  prefix: string;
  created_at: unknown;
  revoked_at: unknown;
  suspended: boolean;
}

/** The account's keys, oldest first. Throws not_found for an unknown account. */
export async function selectKeys(db: SqlExecutor, accountId: string): Promise<KeyInfo[]> {
  const result = await db.query<KeyRow>(
    `SELECT k.id, k.label, k.role, k.prefix, k.created_at, k.revoked_at, k.suspended
       FROM accounts a LEFT JOIN api_keys k ON k.account_id = a.id
      WHERE a.id = $1
      ORDER BY k.created_at, k.id`,
    [accountId],
  );
  if (result.rows.length === 0) throw accountNotFound();
  return result.rows.flatMap((row) =>
    row.id === null
      ? []
      : [
          {
            keyId: row.id,
            label: row.label,
            role: row.role,
            prefix: row.prefix,
            createdAt: toMs(row.created_at),
            revokedAt: row.revoked_at === null ? null : toMs(row.revoked_at),
            suspended: row.suspended,
          },
        ],
  );
}

/** Revokes one of the account's own keys (again is a no-op). Throws not_found when it has no such key. */
export async function markKeyRevoked(db: SqlExecutor, accountId: string, keyId: string): Promise<void> {
  const result = await db.query(
    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND account_id = $2",
    [keyId, accountId],
  );
  if (result.rowCount === 0) {
    throw new SwitchyardError(ErrorCode.NotFound, "no such key", { param: "key_id" });
  }
}

/** Suspends or restores a key; returns its account id. Throws not_found for an unknown key. */
export async function markKeySuspended(db: SqlExecutor, keyId: string, suspended: boolean): Promise<string> {
  const result = await db.query<{ account_id: string }>(
    "UPDATE api_keys SET suspended = $2 WHERE id = $1 RETURNING account_id",
    [keyId, suspended],
  );
  const row = result.rows[0];
  if (!row) throw new SwitchyardError(ErrorCode.NotFound, "no such key", { param: "key_id" });
  return row.account_id;
}

/** Suspends or restores an account. Throws not_found for an unknown account. */
export async function markAccountSuspended(
  db: SqlExecutor,
  accountId: string,
  suspended: boolean,
): Promise<void> {
  const result = await db.query("UPDATE accounts SET suspended = $2 WHERE id = $1", [accountId, suspended]);
  if (result.rowCount === 0) throw accountNotFound();
}

/**
 * Adds credits to an account in one statement and writes the `grant` transaction. Returns the new
 * balance. Throws not_found for an unknown account, invalid_argument for a bad amount or reason.
 */
export async function grantCredits(
  db: SqlExecutor,
  accountId: string,
  amount: number,
  reason: string,
): Promise<number> {
  requirePositiveInt(amount, "amount");
  if (typeof reason !== "string" || reason.length > 500) {
    throw invalidArgument("reason must be a string of at most 500 characters", "reason");
  }
  const result = await db.query<{ balance: unknown }>(
    `WITH credited AS (
       UPDATE accounts SET balance = balance + $2 WHERE id = $1 RETURNING id, balance
     ), logged AS (
       INSERT INTO transactions (account_id, kind, amount, note)
       SELECT id, 'grant', $2, $3 FROM credited
     )
     SELECT balance FROM credited`,
    [accountId, amount, reason],
  );
  const row = result.rows[0];
  if (!row) throw accountNotFound();
  return toInt(row.balance);
}

export interface KeyLookup {
  keyId: string;
  accountId: string;
  role: Role;
  revoked: boolean;
  keySuspended: boolean;
  accountSuspended: boolean;
}

/** Finds a key by the hash of the clear key. */
export async function findKeyByHash(db: SqlExecutor, hash: string): Promise<KeyLookup | undefined> {
  const result = await db.query<{
    id: string;
    account_id: string;
    role: Role;
    revoked: boolean;
    suspended: boolean;
    account_suspended: boolean;
  }>(
    `SELECT k.id, k.account_id, k.role, k.revoked_at IS NOT NULL AS revoked, k.suspended,
            a.suspended AS account_suspended
       FROM api_keys k JOIN accounts a ON a.id = k.account_id
      WHERE k.hash = $1`,
    [hash],
    { prepareAs: "sy_find_key_by_hash" },
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    keyId: row.id,
    accountId: row.account_id,
    role: row.role,
    revoked: row.revoked,
    keySuspended: row.suspended,
    accountSuspended: row.account_suspended,
  };
}
