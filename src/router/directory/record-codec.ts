import type { NodeRecord } from "./directory.js";

/**
 * A node record as the Redis directory stores it: the record plus `loadAtMs`, the owner's clock when
 * its `inFlight` / `draining` were last changed. Load events carry the same clock (`atMs`), so a
 * replica can tell which of the two copies it holds is fresher.
 */
export interface StoredRecord {
  record: NodeRecord;
  loadAtMs: number;
}

/** Serialises a record for Redis. Never throws for a well-formed record. */
export function encodeStored(record: NodeRecord, loadAtMs: number): string {
  return JSON.stringify({ ...record, loadAtMs });
}

/**
 * Parses what `encodeStored` wrote. Returns undefined (never throws) for anything that is not a
 * well-formed record, since the value comes from outside the process.
 */
export function decodeStored(text: string): StoredRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isNodeRecord(value)) return undefined;
  const { loadAtMs, ...rest } = value as NodeRecord & { loadAtMs?: unknown };
  const record: NodeRecord = rest;
  return { record, loadAtMs: isFiniteNumber(loadAtMs) ? loadAtMs : record.lastSeenAtMs };
}

/** True when `value` has every field of a NodeRecord with the right type. */
export function isNodeRecord(value: unknown): value is NodeRecord {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    isString(v.id) &&
    v.id.length > 0 &&
    isString(v.name) &&
    isString(v.operator) &&
    isStringArray(v.capabilities) &&
    isStringArray(v.languages) &&
    isStringArray(v.models) &&
    isStringArray(v.splittable) &&
    isFiniteNumber(v.maxConcurrency) &&
    isFiniteNumber(v.inFlight) &&
    typeof v.draining === "boolean" &&
    isStringRecord(v.labels) &&
    isString(v.sdkVersion) &&
    isString(v.routerId) &&
    isFiniteNumber(v.connectedAtMs) &&
    isFiniteNumber(v.lastSeenAtMs)
  );
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isString);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value as Record<string, unknown>).every(isString)
  );
}
