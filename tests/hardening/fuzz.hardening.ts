import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { createApp } from "../../src/app";
import { defaultConfig } from "../../src/config";
import { isReservedPath } from "../../src/features/echo/validation";
import { createFactorialService } from "../../src/features/factorial/service";
import { memoryLogger, testDeps } from "../support/app";
import { type FakeUpstream, ok, startFakeUpstream } from "../support/fake-upstream";
import { type RunningServer, startServer } from "../support/process";
import { bodyText, headerOf, rawExchange } from "../support/raw-http";
import {
  AcknowledgedEndpoints,
  type Answer,
  allowed5xx,
  errorFormatProblem,
  isStoredMockAnswer,
  mockAnswerProblem,
} from "./contract-checks";
import {
  FUZZ_API_TOKEN,
  type FuzzCase,
  fuzzCases,
  type Materialized,
  materialize,
  type Operation,
  operationsOf,
} from "./openapi-requests";

/**
 * Property-based fuzzing generated from the service's own /openapi.json: thousands of requests
 * through `app.handle`, then a few hundred raw ones over TCP to the listening server, for what a
 * `Request` cannot carry. FUZZ_RUNS raises the count, FUZZ_SEED replays another run.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);
const RAW_RUNS = Math.max(300, Math.round(RUNS / 6));
/** Generous per-test time: bun's default of 5 s is too short for large FUZZ_RUNS. */
const TIME_LIMIT_MS = 30_000 + RUNS * 5;

let upstream: FakeUpstream;
beforeAll(() => {
  // The smart proxy's upstream answers at once; slow and failing upstreams have their own tests.
  upstream = startFakeUpstream((index) => ok(index));
});
afterAll(async () => {
  await upstream.stop();
});

/** Answers by status, for the figures. */
const tally = (statuses: Map<number, number>, status: number) =>
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
const summary = (statuses: Map<number, number>) =>
  [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(" ");

/** The problems of one answer; `undefined` when it keeps every promise. */
function problemWith(
  c: FuzzCase,
  answer: Answer,
  acknowledged: AcknowledgedEndpoints,
  sawPath: boolean,
): string | undefined {
  const mock = sawPath ? acknowledged.mockFor(answer.method, answer.path) : undefined;
  if (mock && !isReservedPath(answer.path)) return mockAnswerProblem(answer, mock);
  if (isStoredMockAnswer(answer, acknowledged.list())) return undefined;
  if (sawPath && acknowledged.mayHaveAnswered(answer.method, answer.path) && answer.status < 500) {
    return undefined;
  }
  if (answer.status >= 500 && !allowed5xx(answer)) return `a ${answer.status}`;
  if (answer.status >= 400) {
    const problem = errorFormatProblem(answer);
    if (problem) return problem;
  }
  if (c.breaksSchema && answer.status < 400) {
    return `a body that breaks the published schema was accepted with ${answer.status}`;
  }
  if (
    c.operation === "undocumented" &&
    sawPath &&
    !isReservedPath(answer.path) &&
    answer.status !== 404
  ) {
    return `an unknown path answered ${answer.status}`;
  }
  return undefined;
}

const describeCase = (m: Materialized) =>
  `${m.method} ${m.target.length > 200 ? `${m.target.slice(0, 200)}…` : m.target}`;

describe(`fuzzing ${RUNS} requests from /openapi.json through app.handle`, () => {
  const logs = memoryLogger("info");
  const factorials = createFactorialService({ max: 100_000 });
  let app: ReturnType<typeof createApp>;
  let operations: Operation[];
  const acknowledged = new AcknowledgedEndpoints();
  const statuses = new Map<number, number>();
  let listedBefore: unknown[] = [];

  beforeAll(async () => {
    // The simulated /api/work answers at once too, so the run stays short.
    const work = { ...defaultConfig().work, medianMs: 1, p95Ms: 1 };
    const deps = testDeps({
      config: { smartUpstreamUrl: upstream.url, smartHedgeDelayMs: 50, work },
      logger: logs.logger,
      factorial: (n) => factorials.digits(n),
    });
    app = createApp(deps);
    const document = await (await app.handle(new Request("http://localhost/openapi.json"))).json();
    operations = operationsOf(document as Parameters<typeof operationsOf>[0]);
    listedBefore = (
      (await (await app.handle(new Request("http://localhost/endpoints"))).json()) as {
        data: unknown[];
      }
    ).data;
  });
  afterAll(() => factorials.close());

  it("reads every operation, with every method it documents, from the document", () => {
    const names = operations.map((o) => `${o.method} ${o.template}`);
    expect(names).toContain("POST /endpoints");
    expect(names).toContain("PATCH /endpoints/{id}");
    expect(names).toContain("GET /api/v1/factorial");
    expect(operations.find((o) => o.template === "/endpoints" && o.body)?.body?.mediaTypes).toEqual(
      ["application/vnd.api+json", "application/json"],
    );
  });

  it(
    "answers every generated request without a 5xx and with errors in the one format",
    async () => {
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(fuzzCases(operations), async (c) => {
          const m = materialize(c, acknowledged.state());
          const request = new Request(`http://localhost${m.target}`, {
            method: m.method,
            headers: m.headers,
            body: m.method === "GET" || m.method === "HEAD" ? undefined : m.body,
          });
          const response = await app.handle(request);
          const path = new URL(request.url).pathname;
          let body: Uint8Array;
          try {
            body = new Uint8Array(await response.arrayBuffer());
          } catch (error) {
            // A mock with `fault: "close"` answers with a body that fails before its first byte.
            if (acknowledged.mayHaveAnswered(request.method, path)) return;
            throw error;
          }
          const answer: Answer = {
            method: request.method,
            path,
            status: response.status,
            header: (name) => response.headers.get(name),
            body,
          };
          tally(statuses, response.status);
          const problem = problemWith(c, answer, acknowledged, true);
          acknowledged.observe(request.method, path, response.status, body);
          if (problem) throw new Error(`${describeCase(m)} → ${problem}`);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      const ms = Math.round(performance.now() - started);
      console.info(
        `[fuzz] app.handle: ${RUNS} requests (seed ${SEED}) in ${ms} ms across ${operations.length} operations; ${acknowledged.creations} mocks created; statuses ${summary(statuses)}`,
      );
      expect(statuses.size).toBeGreaterThan(0);
    },
    TIME_LIMIT_MS,
  );

  it("reached every answer of the management API, from 201 to each refusal", () => {
    const reached = [201, 204, 400, 404, 409, 413, 415, 422].filter((s) => statuses.has(s));
    expect(reached).toEqual([201, 204, 400, 404, 409, 413, 415, 422]);
  });

  it("changed the mock store only through acknowledged writes", async () => {
    const response = await app.handle(new Request("http://localhost/endpoints"));
    const { data } = (await response.json()) as {
      data: { id: string; attributes: Record<string, unknown> }[];
    };
    expect(listedBefore).toEqual([]);
    expect(data.map((r) => ({ id: r.id, ...r.attributes }))).toEqual(acknowledged.list());
  });

  it("created some mocks, so the store check above compared something", () => {
    // Few schema-valid documents pass the cross-field rules the schema cannot state (`response` or
    // `responses`, a delay's min at most its max), so about one case in 200 creates a mock.
    expect(acknowledged.creations).toBeGreaterThanOrEqual(Math.min(8, RUNS / 250));
  });

  it("stays healthy", async () => {
    const response = await app.handle(new Request("http://localhost/healthz"));
    expect(response.status).toBe(200);
  });

  it("logged no unhandled error", () => {
    logs.logger.flush();
    expect(logs.lines.filter((line) => line.level === "error")).toEqual([]);
  });
});

// ---- raw requests over TCP ----

/** A change only a raw socket can make to a request. */
type RawTwist =
  | { kind: "none" }
  | { kind: "bad-byte"; byte: number; at: number }
  | { kind: "long-target"; length: number }
  | { kind: "version"; version: string }
  | { kind: "host"; host: string | undefined }
  | { kind: "many-headers"; count: number }
  | { kind: "header-injection"; value: string }
  | { kind: "folded-header" }
  | { kind: "chunked"; valid: boolean }
  | { kind: "short-content-length" }
  | { kind: "lower-case-method" };

const twist: fc.Arbitrary<RawTwist> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<RawTwist>({ kind: "none" }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("bad-byte" as const),
      byte: fc.constantFrom(0x00, 0x01, 0x08, 0x0b, 0x0d, 0x0a, 0x7f, 0x80, 0xc3, 0xff, 0x20),
      at: fc.nat({ max: 100 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("long-target" as const),
      length: fc.constantFrom(2_049, 8_000, 16_000, 64_000, 200_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("version" as const),
      version: fc.constantFrom("HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", "HTTP/9", "", "http/1.1"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("host" as const),
      host: fc.constantFrom(undefined, "", "localhost", "a".repeat(300), "[::1]", "h:99999"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("many-headers" as const),
      count: fc.constantFrom(60, 99, 101, 200, 500),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("header-injection" as const),
      value: fc.constantFrom(
        "a\rSet-Cookie: x=1",
        "a\nSet-Cookie: x=1",
        "a\0b",
        "a\r\n\r\nGET / HTTP/1.1",
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant<RawTwist>({ kind: "folded-header" }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("chunked" as const), valid: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant<RawTwist>({ kind: "short-content-length" }) },
  { weight: 1, arbitrary: fc.constant<RawTwist>({ kind: "lower-case-method" }) },
);

const encoder = new TextEncoder();

function rawBytes(m: Materialized, t: RawTwist, port: number): Uint8Array {
  let method = t.kind === "lower-case-method" ? m.method.toLowerCase() : m.method;
  let target = t.kind === "long-target" ? `${m.target}/${"a".repeat(t.length)}` : m.target;
  const version = t.kind === "version" ? t.version : "HTTP/1.1";
  const host = t.kind === "host" ? t.host : `127.0.0.1:${port}`;
  const body = m.method === "GET" || m.method === "HEAD" ? undefined : m.body;
  const lines: string[] = [];
  if (host !== undefined) lines.push(`Host: ${host}`);
  // Most raw cases carry the token, so writes reach the store; the others test the refusal.
  if (!m.headers.some(([name]) => name === "authorization")) {
    lines.push(`Authorization: Bearer ${FUZZ_API_TOKEN}`);
  }
  for (const [name, value] of m.headers) if (name !== "host") lines.push(`${name}: ${value}`);
  if (t.kind === "many-headers") {
    for (let i = 0; i < t.count; i++) lines.push(`X-Filler-${i}: ${i}`);
  }
  if (t.kind === "header-injection") lines.push(`X-Injected: ${t.value}`);
  if (t.kind === "folded-header") lines.push("X-Folded: a", " b");
  let payload: Uint8Array = body ?? new Uint8Array(0);
  if (t.kind === "chunked" && body) {
    lines.push("Transfer-Encoding: chunked");
    const size = t.valid ? body.byteLength.toString(16) : "zz";
    payload = concatBytes([encoder.encode(`${size}\r\n`), body, encoder.encode("\r\n0\r\n\r\n")]);
  } else if (body) {
    const length =
      t.kind === "short-content-length" ? Math.max(0, body.byteLength - 1) : body.byteLength;
    lines.push(`Content-Length: ${length}`);
  }
  lines.push("Connection: close");
  if (t.kind === "bad-byte") {
    const at = Math.min(t.at, target.length);
    const head = encoder.encode(`${method} ${target.slice(0, at)}`);
    const tail = encoder.encode(`${target.slice(at)} ${version}\r\n${lines.join("\r\n")}\r\n\r\n`);
    return concatBytes([head, new Uint8Array([t.byte]), tail, payload]);
  }
  method = method || "GET";
  target = target || "/";
  const head = encoder.encode(`${method} ${target} ${version}\r\n${lines.join("\r\n")}\r\n\r\n`);
  return concatBytes([head, payload]);
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Bun closes the connection, without a reply, on a method outside its table. */
const STANDARD_METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
]);

/** Bun's HTTP parser refuses some requests before the app sees them: no body, connection closed. */
const PARSER_REFUSALS = new Set([400, 413, 431, 505]);

describe(`fuzzing ${RAW_RUNS} raw requests over TCP to the listening server`, () => {
  let server: RunningServer;
  let operations: Operation[];
  let dataDir: string;
  const acknowledged = new AcknowledgedEndpoints();
  const outcomes = new Map<string, number>();
  const note = (what: string) => outcomes.set(what, (outcomes.get(what) ?? 0) + 1);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "fuzz-raw-"));
    server = await startServer({
      env: {
        SQLITE_PATH: join(dataDir, "echo.sqlite"),
        API_TOKEN: FUZZ_API_TOKEN,
        SMART_UPSTREAM_URL: upstream.url,
        SMART_HEDGE_DELAY_MS: "50",
        LOG_LEVEL: "info",
      },
    });
    const document = await (await fetch(`${server.url}/openapi.json`)).json();
    operations = operationsOf(document as Parameters<typeof operationsOf>[0]);
  });
  afterAll(async () => {
    if (server?.proc.exitCode === null) await server.stop("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    "answers every raw request within the contract, or refuses it in the HTTP parser",
    async () => {
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(fuzzCases(operations), twist, async (c, t) => {
          const m = materialize(c, acknowledged.state());
          const bytes = rawBytes(m, t, server.port);
          const response = await rawExchange(server.port, bytes, {
            head: m.method === "HEAD",
            timeoutMs: t.kind === "short-content-length" || t.kind === "chunked" ? 500 : 3_000,
          });
          const fromApp = headerOf(response, "x-request-id") !== undefined;
          if (response.status === undefined) {
            // Closed or still waiting for bytes we never sent: the parser's call, not a reply.
            note(response.ended === "timeout" ? "waited for more bytes" : "closed without a reply");
            if (t.kind === "none" && STANDARD_METHODS.has(m.method)) {
              throw new Error(`${describeCase(m)} → no reply to a well-formed request`);
            }
            return;
          }
          if (!fromApp) {
            note(`parser ${response.status}`);
            if (!PARSER_REFUSALS.has(response.status) || response.body.byteLength > 0) {
              throw new Error(
                `${describeCase(m)} [${t.kind}] → parser answered ${response.status}`,
              );
            }
            return;
          }
          note(`app ${response.status}`);
          const path = m.target.split("?")[0] ?? "";
          const answer: Answer = {
            method: m.method,
            path,
            status: response.status,
            header: (name) => headerOf(response, name),
            body: response.body,
          };
          const problem = problemWith(c, answer, acknowledged, false);
          acknowledged.observe(m.method, path, response.status, response.body);
          if (problem) throw new Error(`${describeCase(m)} [${t.kind}] → ${problem}`);
        }),
        { seed: SEED, numRuns: RAW_RUNS, endOnFailure: true },
      );
      const ms = Math.round(performance.now() - started);
      console.info(
        `[fuzz] raw TCP: ${RAW_RUNS} requests in ${ms} ms; ${acknowledged.creations} mocks created; ${[...outcomes.entries()].map(([k, n]) => `${k}×${n}`).join(", ")}`,
      );
      expect(outcomes.size).toBeGreaterThan(0);
    },
    TIME_LIMIT_MS,
  );

  it("changed the mock store only through acknowledged writes", async () => {
    const response = await fetch(`${server.url}/endpoints`, {
      headers: { authorization: `Bearer ${FUZZ_API_TOKEN}` },
    });
    const { data } = (await response.json()) as {
      data: { id: string; attributes: Record<string, unknown> }[];
    };
    expect(data.map((r) => ({ id: r.id, ...r.attributes }))).toEqual(acknowledged.list());
  });

  it("stays up and healthy", async () => {
    if (server.proc.exitCode !== null) {
      const stderr = await new Response(server.proc.stderr).text();
      throw new Error(`the server exited with ${server.proc.exitCode}: ${stderr}`);
    }
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
  });

  it("logged no unhandled error", async () => {
    await Bun.sleep(20);
    const errors = server
      .output()
      .split("\n")
      .filter((line) => line.includes('"level":"error"'));
    expect(errors).toEqual([]);
  });

  it("answers a raw request with its body intact", async () => {
    const response = await rawExchange(
      server.port,
      `GET /tocos/Sam HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect(JSON.parse(bodyText(response))).toEqual({ user: "Sam", tocos: 200 });
  });
});
