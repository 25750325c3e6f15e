import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGateway } from "../app.js";
import { unreachableBackend } from "../unreachable-backend.test-util.js";
import { matchesEtag } from "./assets.js";
import { DASHBOARD_CSP, DASHBOARD_STATIC_DIR } from "./dashboard.js";

describe("dashboard routes", () => {
  let app: FastifyInstance;
  let backend: ReturnType<typeof unreachableBackend>;

  beforeAll(async () => {
    backend = unreachableBackend();
    app = await buildGateway({ backend });
  });

  afterAll(async () => {
    expect(backend.calls()).toBe(0);
    await app.close();
  });

  it("redirects /dashboard to /dashboard/ with a relative location, keeping the query", async () => {
    const plain = await app.inject({ method: "GET", url: "/dashboard" });
    expect(plain.statusCode).toBe(301);
    expect(plain.headers.location).toBe("dashboard/");
    const withQuery = await app.inject({ method: "GET", url: "/dashboard?tab=nodes" });
    expect(withQuery.headers.location).toBe("dashboard/?tab=nodes");
  });

  it("serves the page without a key, with the strict CSP and no-sniff headers", async () => {
    const res = await app.inject({ method: "GET", url: "/dashboard/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.headers["content-security-policy"]).toBe(
      "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    );
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    expect(res.body).toContain('<script type="module" src="main.js"></script>');
  });

  it.each([
    ["main.js", "text/javascript; charset=utf-8"],
    ["dashboard.css", "text/css; charset=utf-8"],
    ["icon.svg", "image/svg+xml"],
    ["index.html", "text/html; charset=utf-8"],
  ])("serves %s as %s with the CSP", async (file, type) => {
    const res = await app.inject({ method: "GET", url: `/dashboard/${file}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe(type);
    expect(res.headers["content-security-policy"]).toBe(DASHBOARD_CSP);
    expect(res.body).toBe(await readFile(join(DASHBOARD_STATIC_DIR, file), "utf8"));
  });

  it("answers a matching If-None-Match with 304", async () => {
    const first = await app.inject({ method: "GET", url: "/dashboard/main.js" });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await app.inject({
      method: "GET",
      url: "/dashboard/main.js",
      headers: { "if-none-match": etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
  });

  it.each([
    "/dashboard/nope.js",
    "/dashboard/..%2Fapp.ts",
    "/dashboard/%2e%2e%2f%2e%2e%2fpackage.json",
    "/dashboard/assets.ts",
    "/dashboard/static/main.js",
  ])("answers %s with the JSON 404", async (url) => {
    const res = await app.inject({ method: "GET", url });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
  });
});

describe("dashboard files", () => {
  async function files(ext: string): Promise<Array<{ name: string; text: string }>> {
    const names = (await readdir(DASHBOARD_STATIC_DIR)).filter((n) => n.endsWith(ext));
    return Promise.all(
      names.map(async (name) => ({ name, text: await readFile(join(DASHBOARD_STATIC_DIR, name), "utf8") })),
    );
  }

  it("have no inline scripts, styles or event handlers, which the CSP would block", async () => {
    for (const { name, text } of await files(".html")) {
      expect(text, name).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(text, name).not.toMatch(/<style/i);
      expect(text, name).not.toMatch(/\sstyle=/i);
      expect(text, name).not.toMatch(/\son[a-z]+=/i);
      expect(text, name).not.toMatch(/javascript:/i);
    }
  });

  it("build the page with text only, never with markup from strings", async () => {
    const scripts = await files(".js");
    expect(scripts.length).toBeGreaterThan(3);
    for (const { name, text } of scripts) {
      expect(text, name).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/,
      );
    }
  });
});

describe("matchesEtag", () => {
  it.each([
    [undefined, false],
    ['"abc"', true],
    ['W/"abc"', true],
    ['"x", "abc"', true],
    ["*", true],
    ['"abcd"', false],
  ])("%s → %s", (header, expected) => {
    expect(matchesEtag(header, '"abc"')).toBe(expected);
  });
});
