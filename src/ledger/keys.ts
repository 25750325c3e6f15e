import { hash, randomBytes } from "node:crypto";

/** Every API key starts with this. */
export const KEY_PREFIX = "sy_";
const KEY_BYTES = 32;
const DISPLAY_CHARS = 6;

/** A new random key: `sy_` and 32 random bytes in base64url (43 characters). */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(KEY_BYTES).toString("base64url");
}

/** Hex SHA-256 of the key: what the database stores and looks keys up by. */
export function hashApiKey(apiKey: string): string {
  // The one-shot hash: no Hash object per call, and it runs for every authenticated request.
  return hash("sha256", apiKey, "hex");
}

/** The part of a key shown in listings, e.g. `sy_AbC12x…`. */
export function displayPrefix(apiKey: string): string {
  return `${apiKey.slice(0, KEY_PREFIX.length + DISPLAY_CHARS)}…`;
}

/** A random id such as `acc_2Vb9…`, for accounts and keys. */
export function newId(kind: "acc" | "key"): string {
  return `${kind}_${randomBytes(12).toString("base64url")}`;
}

/** True when the string has the shape of a key (cheap filter before a database lookup). */
export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(KEY_PREFIX) && value.length >= KEY_PREFIX.length + 32 && value.length <= 200;
}
