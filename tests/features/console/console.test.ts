import { describe, expect, it } from "bun:test";
import { testApp } from "../../support/app";
import { BASE } from "../../support/http";

/** `/console`: one page and its assets, all from the binary, under a strict policy. */

const get = (path: string) => testApp().handle(new Request(`${BASE}${path}`));

describe("GET /console", () => {
  it("sends the page with a policy allowing only its own scripts, and no framing", async () => {
    const response = await get("/console");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp.split("; ")).toEqual(
      expect.arrayContaining(["script-src 'self'", "frame-ancestors 'none'", "default-src 'none'"]),
    );
    expect(csp).not.toContain("unsafe");
  });

  it("holds no inline script, and loads only its own assets", async () => {
    const html = await (await get("/console")).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(urls.filter((url) => !url.startsWith("/console/assets/") && url !== "data:,")).toEqual([
      "/docs",
    ]);
  });

  it.each([
    ["app.js", "text/javascript; charset=utf-8"],
    ["journal.js", "text/javascript; charset=utf-8"],
    ["api.js", "text/javascript; charset=utf-8"],
    ["preact.js", "text/javascript; charset=utf-8"],
    ["console.css", "text/css; charset=utf-8"],
    ["journal.css", "text/css; charset=utf-8"],
  ])("serves %s with its type and the same policy", async (asset, type) => {
    const response = await get(`/console/assets/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(type);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await response.text()).length).toBeGreaterThan(100);
  });

  it("answers 404 for an unknown asset", async () => {
    expect((await get("/console/assets/other.js")).status).toBe(404);
  });
});
