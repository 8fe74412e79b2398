import { afterEach, describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../src/config";
import { PROM, ROUTE_MOCK, ROUTE_UNMATCHED } from "../../src/observability/metric-names";
import { createSqliteStore } from "../../src/store/sqlite";
import type { Store } from "../../src/store/store";
import { memoryLogger, testApp } from "../support/app";
import { type FakeUpstream, hang, ok, startFakeUpstream } from "../support/fake-upstream";
import { get, req } from "../support/http";
import { eventually, parseExposition, samplesNamed, sampleValue, which } from "./support";

const promtool = which("promtool");
if (!promtool) console.warn("SKIPPED: promtool is not installed (apt-get install prometheus)");

type App = ReturnType<typeof testApp>;

const DURATION_COUNT = `${PROM.httpDuration}_count`;

async function scrape(app: App) {
  const response = await app.handle(get("/metrics"));
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

/** `method route status` of every request-duration series. */
const seriesKeys = async (app: App) =>
  samplesNamed(await scrape(app), DURATION_COUNT).map(
    (s) => `${s.labels.method} ${s.labels.route} ${s.labels.status}`,
  );

/** Elysia runs after-response hooks on a later turn; two turns cover them. */
const afterResponseHooks = async () => {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
};

async function send(app: App, request: Request) {
  const response = await app.handle(request);
  await response.arrayBuffer();
  await afterResponseHooks();
  return response.status;
}

const createMock = (app: App, path: string) =>
  send(
    app,
    new Request("http://localhost/endpoints", {
      method: "POST",
      headers: { "content-type": "application/vnd.api+json" },
      body: JSON.stringify({
        data: {
          type: "endpoints",
          attributes: { verb: "GET", path, response: { code: 200, body: '"hello"' } },
        },
      }),
    }),
  );

const randomSegment = () => Math.random().toString(36).slice(2, 10);

describe("GET /metrics", () => {
  it("answers in the Prometheus text format", async () => {
    const response = await testApp().handle(get("/metrics"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await response.text()).toContain(`# TYPE ${PROM.httpDuration} histogram`);
  });

  it.skipIf(!promtool)(
    "passes promtool check metrics",
    async () => {
      const app = testApp();
      for (const path of [
        "/time",
        "/tocos",
        "/tocos/Sam",
        "/nothing",
        "/api/v1/factorial?number=5",
      ]) {
        await send(app, get(path));
      }
      const body = await (await app.handle(get("/metrics"))).text();
      const check = Bun.spawnSync([promtool ?? "promtool", "check", "metrics"], {
        stdin: Buffer.from(body),
      });
      const complaints = `${check.stdout.toString()}${check.stderr.toString()}`;
      expect({ exitCode: check.exitCode, complaints }).toEqual({ exitCode: 0, complaints: "" });
    },
    20_000,
  );

  it("is documented in the OpenAPI document under operations", async () => {
    const response = await testApp().handle(get("/openapi.json"));
    const doc = (await response.json()) as {
      paths: Record<string, { get?: { tags?: string[]; responses?: Record<string, unknown> } }>;
    };
    const operation = doc.paths["/metrics"]?.get;
    expect(operation?.tags).toEqual(["operations"]);
    expect(Object.keys(operation?.responses ?? {})).toContain("200");
  });
});

describe("route labels", () => {
  it("are route templates, never the raw path", async () => {
    const app = testApp();
    for (const user of ["Sam", "John", "Nobody"]) await send(app, get(`/tocos/${user}`));
    const keys = await seriesKeys(app);
    expect(keys.filter((k) => k.includes("/tocos/"))).toEqual([
      "GET /tocos/:user 200",
      "GET /tocos/:user 404",
    ]);
  });

  it("do not grow with 50 random unknown paths", async () => {
    const app = testApp();
    const unknownPaths = () => [
      `/${randomSegment()}/${randomSegment()}`,
      `/tocos/${randomSegment()}`,
      `/endpoints/${randomSegment()}`,
      `/api/${randomSegment()}?q=${randomSegment()}`,
    ];
    for (const path of unknownPaths()) await send(app, get(path));
    await send(app, get("/metrics")); // the scrapes below have a series of their own
    const before = await seriesKeys(app);
    for (let i = 0; i < 50; i++) {
      const paths = unknownPaths();
      await send(app, get(paths[i % paths.length] ?? "/"));
    }
    const after = await seriesKeys(app);
    expect(after).toEqual(before);
    expect(after.filter((k) => k.includes(ROUTE_UNMATCHED))).toEqual([
      `GET ${ROUTE_UNMATCHED} 404`,
    ]);
  });

  it("label every mock hit with one constant", async () => {
    const app = testApp();
    expect(await createMock(app, "/hello/one")).toBe(201);
    expect(await createMock(app, "/hello/two")).toBe(201);
    expect(await send(app, get("/hello/one"))).toBe(200);
    expect(await send(app, get("/hello/two"))).toBe(200);
    const samples = await scrape(app);
    expect(sampleValue(samples, DURATION_COUNT, { route: ROUTE_MOCK, status: "200" })).toBe(2);
    expect(
      samplesNamed(samples, DURATION_COUNT).some((s) => s.labels.route?.startsWith("/hello")),
    ).toBe(false);
  });

  it("label a mock miss and a wrong method as unmatched", async () => {
    const app = testApp();
    expect(await send(app, get("/no/such/mock"))).toBe(404);
    expect(await send(app, req("/time", { method: "POST" }))).toBe(405);
    const keys = await seriesKeys(app);
    expect(keys.filter((k) => k.includes(ROUTE_UNMATCHED)).sort()).toEqual([
      `GET ${ROUTE_UNMATCHED} 404`,
      `POST ${ROUTE_UNMATCHED} 405`,
    ]);
    expect(keys.some((k) => k.includes(ROUTE_MOCK))).toBe(false);
  });

  it("are what the request log line shows", async () => {
    const { logger, lines } = memoryLogger("info");
    const app = testApp({ logger });
    await send(app, get("/no/such/page"));
    logger.flush();
    expect(lines.find((l) => l.msg === "request")?.route).toBe(ROUTE_UNMATCHED);
  });
});

describe("http_requests_in_flight", () => {
  let upstream: FakeUpstream | undefined;
  afterEach(async () => {
    await upstream?.stop();
    upstream = undefined;
  });

  it("comes back down after a request fails with a 500", async () => {
    const store = createSqliteStore({ path: ":memory:", maxEndpoints: 10 });
    const failing: Store = {
      ...store,
      users: {
        listUsers: async () => {
          throw new Error("the users table is gone");
        },
        getUser: async () => undefined,
      },
    };
    const app = testApp({ store: failing });
    expect(await send(app, get("/tocos"))).toBe(500);
    expect(await send(app, get("/tocos"))).toBe(500);
    // The scrape itself is the one request in flight.
    expect(sampleValue(await scrape(app), PROM.httpInFlight)).toBe(1);
  });

  it("comes back down after the client disconnects mid-request", async () => {
    upstream = startFakeUpstream(() => hang());
    const config = defaultConfig({ smartUpstreamUrl: upstream.url, smartHedgeCount: 0 });
    const server = testApp({ config }).listen({ port: 0, hostname: "127.0.0.1" });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const scrapeInFlight = async () =>
        sampleValue(
          parseExposition(await (await fetch(`${base}/metrics`)).text()),
          PROM.httpInFlight,
        );
      const client = new AbortController();
      const pending = fetch(`${base}/api/smart`, { signal: client.signal }).catch(() => "aborted");
      await eventually(
        async () => (upstream?.requests.length ? true : undefined),
        2_000,
        "upstream",
      );
      expect(await scrapeInFlight()).toBe(2);
      client.abort();
      expect(await pending).toBe("aborted");
      await eventually(
        async () => ((await scrapeInFlight()) === 1 ? true : undefined),
        2_000,
        "in-flight back to the scrape alone",
      );
    } finally {
      await server.stop(true);
    }
  });
});

describe("smart metrics on /metrics", () => {
  let upstream: FakeUpstream | undefined;
  afterEach(async () => {
    await upstream?.stop();
    upstream = undefined;
  });

  it("show what /api/smart reported", async () => {
    upstream = startFakeUpstream([ok(42)]);
    const config = defaultConfig({ smartUpstreamUrl: upstream.url });
    const app = testApp({ config });
    expect(await send(app, get("/api/smart?timeout=2000"))).toBe(200);
    const samples = await scrape(app);
    expect(sampleValue(samples, PROM.smartUpstreamRequests, { outcome: "success" })).toBe(1);
    expect(sampleValue(samples, PROM.smartResponses, { result: "first" })).toBe(1);
    expect(sampleValue(samples, `${PROM.smartUpstreamDuration}_count`)).toBe(1);
  });
});

describe("echo_endpoints on /metrics", () => {
  it("counts the endpoints in the store", async () => {
    const app = testApp();
    expect(await createMock(app, "/a")).toBe(201);
    expect(await createMock(app, "/b")).toBe(201);
    expect(sampleValue(await scrape(app), PROM.echoEndpoints)).toBe(2);
  });
});

/** Which of the routes that do no I/O answer `fetch` (what the server calls) with a promise. */
function answeredWithPromise(app: { fetch: (request: Request) => unknown }) {
  return ["/time", "/healthz"].filter((path) => app.fetch(get(path)) instanceof Promise);
}

/** `tests/support/app.ts` bundled with the minify flags the Makefile builds the binary with. */
async function bundledTestApp(): Promise<typeof testApp> {
  const line = /^BUILD_FLAGS := (.*)$/m.exec(readFileSync("Makefile", "utf8"))?.[1] ?? "";
  const flags = new Set(line.split(/\s+/));
  const all = flags.has("--minify");
  const outdir = mkdtempSync(join(tmpdir(), "tocos-bundle-"));
  try {
    const build = await Bun.build({
      entrypoints: ["tests/support/app.ts"],
      outdir,
      target: "bun",
      format: "esm",
      minify: {
        whitespace: all || flags.has("--minify-whitespace"),
        syntax: all || flags.has("--minify-syntax"),
        identifiers: all || flags.has("--minify-identifiers"),
      },
    });
    expect(build.success).toBe(true);
    const output = build.outputs[0]?.path ?? "";
    return ((await import(output)) as { testApp: typeof testApp }).testApp;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe("the request path", () => {
  // Elysia compiles a route into an async function when any hook on it looks asynchronous to its
  // source scan (`=>` or `return` before a call counts); every request then pays for a promise.
  it("answers the routes that do no I/O without a promise", () => {
    expect(answeredWithPromise(testApp().app)).toEqual([]);
    const origins = ["https://console.example"];
    expect(answeredWithPromise(testApp({ config: { corsOrigins: origins } }).app)).toEqual([]);
  });

  // Minified, `(c) => { c.x = f(); }` becomes `(c)=>{c.x=f(`, which the scan takes for async.
  it("still does once minified as the binary is", async () => {
    const bundled = await bundledTestApp();
    expect(answeredWithPromise(bundled().app)).toEqual([]);
    const origins = ["https://console.example"];
    expect(answeredWithPromise(bundled({ config: { corsOrigins: origins } }).app)).toEqual([]);
  });

  it("sends a JSON document with its status, its content type and the context's headers", async () => {
    const app = testApp();
    const cases = [
      { path: "/time", status: 200, type: "application/json;charset=utf-8" },
      { path: "/no-such-page", status: 404, type: "application/json" },
      { path: "/api/v1/factorial?number=-1", status: 400, type: "application/json" },
    ];
    for (const { path, status, type } of cases) {
      const response = await app.handle(get(path));
      const headers = Object.fromEntries(response.headers);
      expect({ path, status: response.status, type: headers["content-type"] }).toEqual({
        path,
        status,
        type,
      });
      expect(headers["access-control-allow-origin"]).toBe("*");
      expect(headers["x-request-id"]).toMatch(/^[0-9a-z]+-[0-9a-z]+$/);
      expect(await response.json()).toBeObject();
    }
  });
});
