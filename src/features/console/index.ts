import { Elysia } from "elysia";
// Embedded in the compiled binary, so the console needs no CDN and no internet.
import preactBundle from "htm/preact/standalone.module.js" with { type: "file" };
import { notFound } from "../../errors";
import apiScript from "./assets/api.js" with { type: "file" };
import appScript from "./assets/app.js" with { type: "file" };
import style from "./assets/console.css" with { type: "file" };
import pageBundle from "./assets/console.html" with { type: "text" };
import journalStyle from "./assets/journal.css" with { type: "file" };
import journalScript from "./assets/journal.js" with { type: "file" };

/**
 * `/console`: one page for the mocks and the request journal. Everything it loads comes from
 * this binary, and its policy allows nothing else: no inline script, no other origin, no frames.
 */

const ASSET_PREFIX = "/console/assets";
// Bun's types call every .html import an HTMLBundle; the `text` loader makes it the file's text.
const page = pageBundle as unknown as string;

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SCRIPT = "text/javascript; charset=utf-8";
const assets: Record<string, { path: string; type: string }> = {
  "preact.js": { path: preactBundle, type: SCRIPT },
  "api.js": { path: apiScript, type: SCRIPT },
  "app.js": { path: appScript, type: SCRIPT },
  "journal.js": { path: journalScript, type: SCRIPT },
  "console.css": { path: style, type: "text/css; charset=utf-8" },
  "journal.css": { path: journalStyle, type: "text/css; charset=utf-8" },
};

const SHARED_HEADERS = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export const consoleRoutes = () =>
  new Elysia({ name: "console" })
    .get(
      "/console",
      () =>
        new Response(page, {
          headers: {
            ...SHARED_HEADERS,
            "content-type": "text/html; charset=utf-8",
            "cache-control": "no-store",
          },
        }),
      {
        detail: {
          tags: ["echo"],
          summary: "The web console: mocks, import and the live request journal",
        },
      },
    )
    .get(
      `${ASSET_PREFIX}/:asset`,
      ({ params, request }) => {
        const asset = assets[params.asset];
        if (!asset) throw notFound(new URL(request.url).pathname);
        return new Response(Bun.file(asset.path), {
          headers: { ...SHARED_HEADERS, "content-type": asset.type, "cache-control": "no-cache" },
        });
      },
      { detail: { hide: true } },
    );
