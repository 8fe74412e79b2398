import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { loadConfig } from "../../src/config";
import { FORBIDDEN_HEADERS } from "../../src/features/echo/validation";
import { testApp } from "../support/app";
import { type RunningServer, startServer } from "../support/process";
import { bodyText, headerOf, parseResponse, rawExchange } from "../support/raw-http";
import { errorFormatProblem } from "./contract-checks";

/**
 * The limits, over real HTTP: request body size, request line and header block, mocks per
 * store, and the framing of a stored mock's response on the wire. The rules themselves are
 * unit-tested in tests/features/echo/validation.test.ts; these check what reaches the socket.
 */

const root = mkdtempSync(join(tmpdir(), "limits-"));
const running: RunningServer[] = [];
afterAll(async () => {
  for (const server of running) if (server.proc.exitCode === null) await server.stop("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

async function serve(name: string, env: Record<string, string> = {}) {
  const server = await startServer({
    env: { SQLITE_PATH: join(root, `${name}.sqlite`), LOG_LEVEL: "info", ...env },
  });
  running.push(server);
  return server;
}

const JSONAPI = "application/vnd.api+json";

const createBody = (attributes: unknown) =>
  JSON.stringify({ data: { type: "endpoints", attributes } });

const create = (server: RunningServer, attributes: unknown) =>
  fetch(`${server.url}/endpoints`, {
    method: "POST",
    headers: { "content-type": JSONAPI },
    body: createBody(attributes),
  });

const rawGet = (server: RunningServer, target: string, extra: string[] = []) =>
  rawExchange(
    server.port,
    [`GET ${target} HTTP/1.1`, "Host: 127.0.0.1", ...extra, "Connection: close", "", ""].join(
      "\r\n",
    ),
  );

/** The answer as contract-checks sees it, from a raw response. */
const answerOf = (method: string, path: string, raw: Awaited<ReturnType<typeof rawExchange>>) => ({
  method,
  path,
  status: raw.status ?? 0,
  header: (name: string) => headerOf(raw, name),
  body: raw.body,
});

describe("request size limits on the listening server", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve("sizes");
  });

  it("answers a body over 1 MiB with 413 in the error format, without Content-Length", async () => {
    const oversize = new Uint8Array(1024 * 1024 + 1).fill(0x20);
    const head = [
      "POST /endpoints HTTP/1.1",
      "Host: 127.0.0.1",
      `Content-Type: ${JSONAPI}`,
      "Transfer-Encoding: chunked",
      "Connection: close",
      "",
      "",
    ].join("\r\n");
    const chunked = new Uint8Array([
      ...new TextEncoder().encode(`${head}${oversize.byteLength.toString(16)}\r\n`),
      ...oversize,
      ...new TextEncoder().encode("\r\n0\r\n\r\n"),
    ]);
    const response = await rawExchange(server.port, chunked);
    expect(response.status).toBe(413);
    expect(errorFormatProblem(answerOf("POST", "/endpoints", response))).toBeUndefined();
  });

  it("refuses a declared Content-Length over 1 MiB with 413 before reading the body", async () => {
    const response = await rawExchange(
      server.port,
      `POST /endpoints HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${JSONAPI}\r\nContent-Length: 2097152\r\nConnection: close\r\n\r\n{}`,
    );
    expect(response.status).toBe(413);
    expect(JSON.parse(bodyText(response)).errors[0].code).toBe("payload_too_large");
  });

  it("answers a path over 2048 characters with the not-found error, never a lookup", async () => {
    const path = `/${"p".repeat(3_000)}`;
    const response = await rawGet(server, path);
    expect(response.status).toBe(404);
    expect(errorFormatProblem(answerOf("GET", path, response))).toBeUndefined();
  });

  it("refuses a request head over 16 KiB with 431 and stays healthy", async () => {
    const response = await rawGet(server, `/${"p".repeat(17_000)}`);
    const health = await fetch(`${server.url}/healthz`);
    expect([response.status, health.status]).toEqual([431, 200]);
  });

  it("serves a request with 100 header fields", async () => {
    const fields = Array.from({ length: 100 }, (_, i) => `X-Field-${i}: ${i}`);
    expect((await rawGet(server, "/healthz", fields)).status).toBe(200);
  });

  it("refuses a request with 200 header fields with 431 and stays healthy", async () => {
    const fields = Array.from({ length: 200 }, (_, i) => `X-Field-${i}: ${i}`);
    const response = await rawGet(server, "/healthz", fields);
    const health = await fetch(`${server.url}/healthz`);
    expect([response.status, health.status]).toEqual([431, 200]);
  });

  it("treats a client that leaves mid-body as gone, not as a server error", async () => {
    const partial = `POST /endpoints HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${JSONAPI}\r\nContent-Length: 5000\r\n\r\n{"data":`;
    await rawExchange(server.port, partial, { timeoutMs: 300 });
    await Bun.sleep(100);
    const lines = server
      .output()
      .split("\n")
      .filter((line) => line.includes('"route":"/endpoints"') || line.includes('"level":"error"'));
    expect(lines.filter((line) => line.includes('"level":"error"'))).toEqual([]);
    expect(lines.some((line) => line.includes('"status":499'))).toBe(true);
  });
});

describe("ECHO_MAX_ENDPOINTS", () => {
  it("defaults to 10,000 mocks per store", () => {
    expect(loadConfig({}).echoMaxEndpoints).toBe(10_000);
  });

  describe("with a limit of 3 on the listening server", () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await serve("limited", { ECHO_MAX_ENDPOINTS: "3" });
    });
    const mock = (path: string) => ({ verb: "GET", path, response: { code: 200, body: path } });

    it("lets exactly 3 of 12 concurrent creates in and refuses the rest with 422", async () => {
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => create(server, mock(`/racer/${i}`))),
      );
      const statuses = responses.map((r) => r.status).sort();
      await Promise.all(responses.map((r) => r.arrayBuffer()));
      expect(statuses).toEqual([201, 201, 201, ...Array(9).fill(422)]);
    });

    it("says why in the detail, in the error format", async () => {
      const response = await create(server, mock("/one-too-many"));
      expect(await response.json()).toEqual({
        errors: [
          {
            status: "422",
            code: "endpoint_limit_reached",
            detail: "This service holds at most 3 endpoints; delete one before creating another",
            source: { pointer: "/data" },
          },
        ],
      });
    });

    it("accepts a create again once one is deleted", async () => {
      const list = (await (await fetch(`${server.url}/endpoints`)).json()) as {
        data: { id: string }[];
      };
      const first = list.data[0]?.id;
      const deleted = await fetch(`${server.url}/endpoints/${first}`, { method: "DELETE" });
      const created = await create(server, mock("/after-delete"));
      await created.arrayBuffer();
      expect([list.data.length, deleted.status, created.status]).toEqual([3, 204, 201]);
    });
  });
});

// On Lambda the adapter's context header is trusted for the request id, so that is the path at risk.
describe("a request id that would split the response", () => {
  const splitting = `{"requestId":"a\\r\\nSet-Cookie: x=1"}`;

  it("is not echoed: app.handle answers with a generated id instead", async () => {
    const response = await testApp({ config: { onLambda: true } }).handle(
      new Request("http://localhost/time", { headers: { "x-amzn-request-context": splitting } }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toMatch(/^[\x21-\x7e]+$/);
  });

  it("is not echoed over the wire either, and injects no header", async () => {
    const server = await serve("request-id", { AWS_LAMBDA_FUNCTION_NAME: "tocos-service" });
    const response = await rawGet(server, "/time", [`x-amzn-request-context: ${splitting}`]);
    expect(response.status).toBe(200);
    expect(response.headers.map(([name]) => name.toLowerCase())).not.toContain("set-cookie");
  });
});

describe("stored mock headers on the wire", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve("wire");
  });

  for (const [where, headers] of [
    ["a header value", { "X-A": "1\r\nSet-Cookie: x=1" }],
    ["a header value, LF only", { "X-A": "1\nSet-Cookie: x=1" }],
    ["a header value, CR only", { "X-A": "1\rSet-Cookie: x=1" }],
    ["a header name", { "X-A\r\nSet-Cookie": "x=1" }],
  ] as const) {
    it(`refuses CR or LF in ${where} when updating a mock, keeping the old one`, async () => {
      const path = `/patched/${where.replaceAll(/\W/g, "-")}`;
      const created = (await (
        await create(server, { verb: "GET", path, response: { code: 200 } })
      ).json()) as {
        data: { id: string };
      };
      const patched = await fetch(`${server.url}/endpoints/${created.data.id}`, {
        method: "PATCH",
        headers: { "content-type": JSONAPI },
        body: JSON.stringify({
          data: { type: "endpoints", attributes: { response: { code: 200, headers } } },
        }),
      });
      const served = await rawGet(server, path);
      await patched.arrayBuffer();
      expect([patched.status, served.status]).toEqual([422, 200]);
      expect(served.headers.map(([name]) => name.toLowerCase())).not.toContain("set-cookie");
    });
  }

  const BODILESS = new Set([204, 205, 304]);

  for (const code of BODILESS) {
    it(`refuses a body on a ${code} mock, which the server could never send`, async () => {
      const response = await create(server, {
        verb: "GET",
        path: `/bodiless/${code}`,
        response: { code, body: "lost" },
      });
      const body = (await response.json()) as { errors: { source: unknown }[] };
      expect([response.status, body.errors[0]?.source]).toEqual([
        422,
        { pointer: "/data/attributes/response/body" },
      ]);
    });
  }

  const forbidden = new Set<string>([...FORBIDDEN_HEADERS, "date", "x-request-id"]);
  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
  const visible = fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 30,
  });
  const storedMock = fc
    .record({
      verb: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"),
      code: fc.oneof(fc.integer({ min: 200, max: 599 }), fc.constantFrom(204, 205, 304)),
      headers: fc.uniqueArray(
        fc.tuple(
          token,
          visible.map((v) => v.trim()),
        ),
        {
          maxLength: 6,
          selector: ([name]) => name.toLowerCase(),
        },
      ),
      body: fc.oneof(
        fc.string({ unit: "grapheme", maxLength: 300 }),
        fc.constantFrom("", "\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", "\u0000", "😀".repeat(100)),
        fc.nat({ max: 70_000 }).map((n) => "é".repeat(n)),
      ),
    })
    .map((m) => ({
      ...m,
      headers: m.headers.filter(([name]) => !forbidden.has(name.toLowerCase())),
      // HEAD mocks and 204, 205 and 304 responses carry no body, so none is stored.
      body: m.verb === "HEAD" || BODILESS.has(m.code) ? undefined : m.body,
    }));

  it("frames every stored mock exactly: Content-Length is the body's size, nothing injected", async () => {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(storedMock, async (m) => {
        const path = `/framed/${++count}`;
        const response = { code: m.code, headers: Object.fromEntries(m.headers), body: m.body };
        const created = await create(server, { verb: m.verb, path, response });
        if (created.status !== 201) throw new Error(`create: ${await created.text()}`);
        await created.arrayBuffer();
        // The mock and then /healthz on one connection: a wrong length would break the second.
        const pipelined = [
          `${m.verb} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
          "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        ].join("");
        const raw = await rawExchange(server.port, pipelined, { untilClose: true });
        const first = parseResponse(raw.bytes, m.verb === "HEAD");
        const second = parseResponse(raw.bytes.subarray(first.length));
        const expectedBody = new TextEncoder().encode(m.body ?? "");
        const length = headerOf({ ...raw, headers: first.headers }, "content-length");
        const carries = m.verb !== "HEAD" && !BODILESS.has(m.code);
        expect(first.status).toBe(m.code);
        if (carries) expect(length).toBe(String(expectedBody.byteLength));
        expect(first.body).toEqual(carries ? expectedBody : new Uint8Array(0));
        expect(first.headers.map(([n]) => n.toLowerCase())).not.toContain("transfer-encoding");
        const stored = new Map(m.headers.map(([n, v]) => [n.toLowerCase(), v]));
        const serverSet = new Set([
          "date",
          "content-length",
          "content-type",
          "x-request-id",
          "access-control-allow-origin",
          "access-control-expose-headers",
        ]);
        for (const [name, value] of first.headers) {
          const lower = name.toLowerCase();
          if (stored.has(lower)) expect(value).toBe(stored.get(lower) ?? "");
          else expect(serverSet.has(lower)).toBe(true);
        }
        expect(first.headers.length).toBeLessThanOrEqual(stored.size + serverSet.size);
        expect([second.status, bodyText({ ...raw, body: second.body })]).toEqual([
          200,
          '{"status":"ok"}',
        ]);
      }),
      { seed: 8_080, numRuns: 80 },
    );
    console.info(`[limits] ${count} stored mocks framed exactly on the wire (pipelined)`);
    expect(count).toBeGreaterThanOrEqual(80);
  });
});
