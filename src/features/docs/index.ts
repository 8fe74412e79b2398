import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import swaggerCss from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
// Embedded in the compiled binary, so the docs page needs no CDN and no internet.
import swaggerBundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import { SERVICE_NAME } from "../../config";
import { notFound } from "../../errors";
import { docsPage } from "./page";

const ASSET_PREFIX = "/docs/assets";

const assets: Record<string, { path: string; type: string }> = {
  "swagger-ui-bundle.js": { path: swaggerBundle, type: "text/javascript; charset=utf-8" },
  "swagger-ui.css": { path: swaggerCss, type: "text/css; charset=utf-8" },
};

const DESCRIPTION =
  'Epoch time, tocos, exact factorials, a hedged upstream proxy, and Echo mock endpoints. Every error uses one format: `{"errors":[{"status","code","detail","source"?}]}`.';

const PAGE = docsPage({
  title: SERVICE_NAME,
  description: DESCRIPTION,
  specUrl: "/openapi.json",
  scriptUrl: `${ASSET_PREFIX}/swagger-ui-bundle.js`,
  stylesheetUrl: `${ASSET_PREFIX}/swagger-ui.css`,
});

export const docsRoutes = (version: string) =>
  new Elysia({ name: "docs" })
    .use(
      openapi({
        // The plugin's own page leaves its attributes unescaped: this plugin serves docsPage.
        provider: null,
        specPath: "/openapi.json",
        documentation: {
          info: { title: SERVICE_NAME, version, description: DESCRIPTION },
          tags: [
            { name: "time", description: "The epoch time" },
            { name: "tocos", description: "A small user list" },
            { name: "factorial", description: "Exact big factorials" },
            { name: "smart", description: "Hedged requests to an unreliable upstream" },
            { name: "echo", description: "Mock endpoints, served at their own path" },
            { name: "operations", description: "Health and metrics" },
          ],
        },
      }),
    )
    .get("/", ({ redirect }) => redirect("/docs", 302), { detail: { hide: true } })
    .get(
      "/docs",
      ({ request, redirect }) =>
        // Elysia also routes `/docs/` here, where Swagger UI would resolve URLs against `/docs/`.
        new URL(request.url).pathname === "/docs/"
          ? redirect("/docs", 301)
          : new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } }),
      { detail: { hide: true } },
    )
    .get(
      `${ASSET_PREFIX}/:asset`,
      ({ params, request, set }) => {
        const asset = assets[params.asset];
        if (!asset) throw notFound(new URL(request.url).pathname);
        set.headers["content-type"] = asset.type;
        set.headers["cache-control"] = "public, max-age=86400";
        return Bun.file(asset.path);
      },
      { detail: { hide: true } },
    );
