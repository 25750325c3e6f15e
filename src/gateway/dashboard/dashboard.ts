import { fileURLToPath } from "node:url";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { type Asset, loadAssets, matchesEtag } from "./assets.js";

/**
 * The dashboard's Content-Security-Policy: its own scripts, styles and API only, no inline code, never
 * framed. Even if a node-supplied string slipped into the page as markup, it could not run.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
  "frame-ancestors 'none'";

/** Headers on every file of the dashboard. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": DASHBOARD_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  // Served from memory and small: revalidate every time (the ETag makes that a 304).
  "cache-control": "no-cache",
};

/** The folder of the dashboard's files, beside this module. */
export const DASHBOARD_STATIC_DIR = fileURLToPath(new URL("./static/", import.meta.url));

/** What the dashboard routes are given by the app. */
export interface DashboardRouteOptions {
  /** The folder to serve; default `DASHBOARD_STATIC_DIR`. Must hold an `index.html`. */
  dir?: string;
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply.headers(DASHBOARD_HEADERS).header("etag", asset.etag);
  if (matchesEtag(request.headers["if-none-match"], asset.etag)) return reply.code(304).send();
  return reply.type(asset.contentType).send(asset.body);
}

/**
 * The dashboard: `GET /dashboard/` and the files beside it, read into memory once at start-up, with a
 * strict Content-Security-Policy. `GET /dashboard` redirects to `/dashboard/`, so the page's relative
 * URLs resolve inside it. No key is needed to load it; the page sends the key its user enters only to
 * this gateway's own API, and keeps it in the browser.
 */
export const dashboardRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app, options) => {
  const assets = await loadAssets(options.dir ?? DASHBOARD_STATIC_DIR);
  const index = assets.get("index.html");
  if (index === undefined) throw new Error("the dashboard's index.html is missing");

  app.get("/dashboard", async (request, reply) => {
    const query = request.url.indexOf("?");
    // A relative Location, so the redirect also works behind a proxy that mounts the gateway on a path.
    return reply.redirect(`dashboard/${query === -1 ? "" : request.url.slice(query)}`, 301);
  });

  app.get("/dashboard/", async (request, reply) => sendAsset(request, reply, index));

  app.get<{ Params: { file: string } }>("/dashboard/:file", async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (asset === undefined) return reply.callNotFound();
    return sendAsset(request, reply, asset);
  });
};
