import { createHash } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";

/** The bearer key in a call's `authorization` metadata, if any. */
export function bearerKey(metadata: Metadata): string | undefined {
  const value = metadata.get("authorization")[0];
  if (typeof value !== "string") return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}

/**
 * The operator of a node on a router without a ledger (no accounts): "local" without a key, else a
 * stable pseudonymous id derived from the key's hash (the key itself is never kept). With a ledger the
 * operator is the key's account (Router.operatorFor).
 */
export function operatorOf(metadata: Metadata): string {
  const key = bearerKey(metadata);
  if (key === undefined) return "local";
  return `op_${createHash("sha256").update(key).digest("hex").slice(0, 16)}`;
}
