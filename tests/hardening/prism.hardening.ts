import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../support/http";
import { type RunningServer, startServer } from "../support/process";

// The README tour's requests, through Stoplight Prism's validating proxy with --errors: any
// answer /openapi.json does not describe (status, media type, body) becomes Prism's 500.
// Mock hits, /docs and /openapi.json are not operations of the document, so they are not sent.
describe("the tour through Prism's validating proxy", () => {
  let server: RunningServer;
  let prism: Subprocess<"ignore", "pipe", "pipe">;
  let base = "";
  let dir = "";

  beforeAll(async () => {
    server = await startServer({ env: { LOG_LEVEL: "warn" } });
    dir = mkdtempSync(join(tmpdir(), "prism-"));
    const spec = join(dir, "openapi.json");
    writeFileSync(spec, await (await fetch(`${server.url}/openapi.json`)).text());
    const port = freePort();
    base = `http://127.0.0.1:${port}`;
    prism = Bun.spawn(
      [
        "node_modules/.bin/prism",
        "proxy",
        spec,
        server.url,
        "--errors",
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && prism.exitCode === null) {
      try {
        await fetch(`${base}/healthz`);
        return;
      } catch {
        await Bun.sleep(250);
      }
    }
    throw new Error(`Prism did not start: ${await new Response(prism.stderr).text()}`);
  }, 120_000);

  afterAll(async () => {
    prism?.kill();
    await prism?.exited;
    await server?.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  const jsonApi = { "content-type": "application/vnd.api+json" };
  const create = (path: string, code = 200) =>
    JSON.stringify({
      data: {
        type: "endpoints",
        attributes: { verb: "GET", path, response: { code, body: "hi" } },
      },
    });

  async function send(path: string, init: RequestInit = {}) {
    const response = await fetch(`${base}${path}`, init);
    const violations = response.headers.get("sl-violations");
    const type = response.headers.get("content-type") ?? "";
    const body = await response.text();
    // Prism's own errors are problem+json; the service never answers with that type.
    expect({ path, violations, prismError: type.includes("problem+json") ? body : null }).toEqual({
      path,
      violations: null,
      prismError: null,
    });
    return { status: response.status, body };
  }

  it("finds every read of the tour described", async () => {
    expect((await send("/time")).status).toBe(200);
    expect((await send("/tocos")).status).toBe(200);
    expect((await send("/tocos/Sam")).status).toBe(200);
    expect((await send("/tocos/nobody")).status).toBe(404);
    expect((await send("/api/v1/factorial?number=10")).status).toBe(200);
    const plain = await send("/api/v1/factorial?number=30", { headers: { accept: "text/plain" } });
    expect(plain).toEqual({ status: 200, body: "265252859812191058636308480000000" });
    expect((await send("/api/v1/factorial?number=x")).status).toBe(400);
    expect((await send("/healthz")).status).toBe(200);
    expect((await send("/metrics")).status).toBe(200);
    expect([200, 502, 504]).toContain((await send("/api/smart?timeout=1000")).status);
    expect([200, 500]).toContain((await send("/api/work?seed=7")).status);
  }, 60_000);

  it("finds the Echo walkthrough described: create, list, conflict, update, delete", async () => {
    const created = await send("/endpoints", {
      method: "POST",
      headers: jsonApi,
      body: create("/greeting"),
    });
    expect(created.status).toBe(201);
    const id = (JSON.parse(created.body) as { data: { id: string } }).data.id;
    expect((await send("/endpoints")).status).toBe(200);
    expect((await send(`/endpoints/${id}`)).status).toBe(200);
    const conflict = await send("/endpoints", {
      method: "POST",
      headers: jsonApi,
      body: create("/greeting"),
    });
    expect(conflict.status).toBe(409);
    const patch = JSON.stringify({
      data: {
        type: "endpoints",
        id,
        attributes: { response: { code: 418, body: "short and stout" } },
      },
    });
    expect(
      (await send(`/endpoints/${id}`, { method: "PATCH", headers: jsonApi, body: patch })).status,
    ).toBe(200);
    expect((await send(`/endpoints/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await send(`/endpoints/${id}`, { method: "DELETE" })).status).toBe(404);
  }, 60_000);
});
