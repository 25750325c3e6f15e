import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";

/** One file of the dashboard, held in memory. */
export interface Asset {
  body: Buffer;
  contentType: string;
  /** A strong validator of the body, quoted as HTTP wants it. */
  etag: string;
}

/** The content type of each kind of file the dashboard serves; other files are not served. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The content type for a file name; undefined for a kind of file that is not served. */
export function contentTypeOf(name: string): string | undefined {
  return CONTENT_TYPES[extname(name).toLowerCase()];
}

/** Quoted SHA-256 prefix of `body`, for ETag. */
export function etagOf(body: Buffer): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

/**
 * Reads every servable file directly inside `dir` (no subfolders) into memory, keyed by file name.
 * The set is fixed once read, so a request can only ever name one of these files.
 */
export async function loadAssets(dir: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const contentType = contentTypeOf(entry.name);
    if (!entry.isFile() || contentType === undefined) continue;
    const body = await readFile(join(dir, entry.name));
    assets.set(entry.name, { body, contentType, etag: etagOf(body) });
  }
  return assets;
}

/** True when an If-None-Match header names `etag` (or is `*`). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === etag || tag === "*");
}
