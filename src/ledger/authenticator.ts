import { ErrorCode, SwitchyardError } from "../core/errors.js";
import { findKeyByHash } from "./accounts.js";
import { AuthCache } from "./auth-cache.js";
import { hashApiKey, looksLikeApiKey } from "./keys.js";
import type { SqlExecutor } from "./sql-client.js";
import type { Principal } from "./types.js";

/**
 * Resolves API keys to principals by the SHA-256 of the key (the lookup is by hash, so no comparison
 * of secrets happens in this process), remembering successes briefly.
 */
export class Authenticator {
  private readonly cache: AuthCache;

  constructor(
    private readonly db: SqlExecutor,
    cacheTtlMs: number,
  ) {
    this.cache = new AuthCache(cacheTtlMs);
  }

  /** Throws unauthenticated (unknown, malformed or revoked key), permission_denied (suspended). */
  async authenticate(apiKey: string): Promise<Principal> {
    if (typeof apiKey !== "string" || !looksLikeApiKey(apiKey)) throw unauthenticated();
    const hash = hashApiKey(apiKey);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const epoch = this.cache.epoch;
    const found = await findKeyByHash(this.db, hash);
    if (!found || found.revoked) throw unauthenticated();
    if (found.keySuspended || found.accountSuspended) {
      throw new SwitchyardError(
        ErrorCode.PermissionDenied,
        found.accountSuspended ? "the account is suspended" : "the key is suspended",
      );
    }
    const principal = { accountId: found.accountId, keyId: found.keyId, role: found.role };
    this.cache.set(hash, principal, epoch);
    return principal;
  }

  /** Forget a key whose state changed (revoked, suspended). */
  forgetKey(keyId: string): void {
    this.cache.dropKey(keyId);
  }

  /** Forget every key of an account whose state changed. */
  forgetAccount(accountId: string): void {
    this.cache.dropAccount(accountId);
  }

  clear(): void {
    this.cache.clear();
  }
}

function unauthenticated(): SwitchyardError {
  return new SwitchyardError(ErrorCode.Unauthenticated, "missing, unknown or revoked API key");
}
