import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeUpstream, startFakeUpstream } from "../support/fake-upstream";
import { type RunningServer, startServer } from "../support/process";
import { bodyText, connectionRefused, rawExchange } from "../support/raw-http";

/**
 * SIGTERM while 200 creates arrive, one per connection, 1.5 ms apart, on the service from source
 * with a SQLite file: the signal lands in the middle of the burst, while a slow /api/smart
 * request is also in flight. Then the service restarts on the same file.
 *
 * The timing bounds hold on a loaded machine: the service must stop accepting while the slow
 * request (2 s upstream) is still being served, and exit within its 5 s grace period plus room.
 */

const CREATES = 200;
const SPACING_MS = 1.5;
const SIGNAL_AFTER_MS = 150;
/** A request sent this long before the signal has surely been accepted by the server. */
const ACCEPTED_MS = 2;
const UPSTREAM_DELAY_MS = 2_000;

type Outcome =
  | { kind: "answered"; status: number; sentAt: number; path: string; id?: string }
  | { kind: "refused" | "dropped"; sentAt: number; path: string };

let upstream: FakeUpstream;
let server: RunningServer;
let dataDir: string;
let outcomes: Outcome[] = [];
let slow: Awaited<ReturnType<typeof rawExchange>>;
let slowAnsweredAt = 0;
let signalAt = 0;
let firstRefusalAt = Number.NaN;
let exitCode: number;
let exitedAt = 0;

const createRequest = (path: string) => {
  const body = JSON.stringify({
    data: {
      type: "endpoints",
      attributes: { verb: "GET", path, response: { code: 200, body: path } },
    },
  });
  return `POST /endpoints HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/vnd.api+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
};

async function attempt(i: number): Promise<Outcome> {
  await Bun.sleep(i * SPACING_MS);
  const path = `/shutdown/${i}`;
  const sentAt = performance.now();
  try {
    const response = await rawExchange(server.port, createRequest(path), { timeoutMs: 8_000 });
    if (response.status === undefined) return { kind: "dropped", sentAt, path };
    const id =
      response.status === 201
        ? (JSON.parse(bodyText(response)) as { data: { id: string } }).data.id
        : undefined;
    return { kind: "answered", status: response.status, sentAt, path, id };
  } catch {
    return { kind: "refused", sentAt, path };
  }
}

beforeAll(async () => {
  upstream = startFakeUpstream(() => ({ delayMs: UPSTREAM_DELAY_MS, body: '{"time":1}' }));
  dataDir = mkdtempSync(join(tmpdir(), "shutdown-"));
  server = await startServer({
    env: { SQLITE_PATH: join(dataDir, "echo.sqlite"), SMART_UPSTREAM_URL: upstream.url },
  });
  const slowRequest = rawExchange(
    server.port,
    "GET /api/smart?timeout=4000 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    { timeoutMs: 8_000 },
  ).then((response) => {
    slowAnsweredAt = performance.now();
    return response;
  });
  const burst = Promise.all(Array.from({ length: CREATES }, (_, i) => attempt(i)));
  await Bun.sleep(SIGNAL_AFTER_MS);
  signalAt = performance.now();
  server.proc.kill("SIGTERM");
  const exited = server.proc.exited.then((code) => {
    exitedAt = performance.now();
    return code;
  });
  while (server.proc.exitCode === null && Number.isNaN(firstRefusalAt)) {
    if (await connectionRefused(server.port)) firstRefusalAt = performance.now();
    else await Bun.sleep(2);
  }
  exitCode = await exited;
  outcomes = await burst;
  slow = await slowRequest;
  const count = (kind: Outcome["kind"]) => outcomes.filter((o) => o.kind === kind).length;
  console.info(
    `[shutdown] SIGTERM amid ${CREATES} creates: ${count("answered")} answered (201), ${count("refused")} refused at connect, ${count("dropped")} closed unanswered; refusing new connections ${Math.round(firstRefusalAt - signalAt)} ms after the signal; exit ${exitCode} after ${Math.round(exitedAt - signalAt)} ms`,
  );
}, 30_000);

afterAll(async () => {
  if (server?.proc.exitCode === null) await server.stop("SIGKILL");
  await upstream?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("SIGTERM under load", () => {
  it("lands in the middle of the burst: some creates before it, some after", () => {
    const before = outcomes.filter((o) => o.sentAt < signalAt).length;
    expect(before).toBeGreaterThan(20);
    expect(before).toBeLessThan(CREATES - 20);
  });

  it("answers every create sent before the signal with 201", () => {
    const inFlight = outcomes.filter((o) => o.sentAt < signalAt - ACCEPTED_MS);
    expect(inFlight.filter((o) => o.kind !== "answered" || o.status !== 201)).toEqual([]);
  });

  it("finishes the request that was in flight upstream when the signal came", () => {
    expect([slow.status, bodyText(slow)]).toEqual([200, '{"time":1}']);
  });

  it("refuses new connections while still finishing in-flight work", () => {
    expect(firstRefusalAt).toBeGreaterThan(signalAt);
    expect(firstRefusalAt).toBeLessThan(slowAnsweredAt);
    expect(firstRefusalAt).toBeLessThan(exitedAt);
  });

  it("serves no create that arrives once it refuses connections", () => {
    const late = outcomes.filter((o) => o.sentAt > firstRefusalAt && o.kind === "answered");
    expect(late).toEqual([]);
  });

  it("exits 0 once in-flight work is done, well within the 5 s grace period", () => {
    expect(exitCode).toBe(0);
    expect(exitedAt - signalAt).toBeLessThan(5_000);
  });

  it("keeps every acknowledged mock across a restart on the same file", async () => {
    const acknowledged = outcomes.flatMap((o) => (o.kind === "answered" && o.id ? [o] : []));
    server = await startServer({
      env: { SQLITE_PATH: join(dataDir, "echo.sqlite"), LOG_LEVEL: "warn" },
    });
    const { data } = (await (await fetch(`${server.url}/endpoints`)).json()) as {
      data: { id: string }[];
    };
    const listed = new Set(data.map((r) => r.id));
    const served = [];
    for (const o of acknowledged) served.push(await (await fetch(`${server.url}${o.path}`)).text());
    expect(acknowledged.filter((o) => !listed.has(o.id ?? ""))).toEqual([]);
    expect(served).toEqual(acknowledged.map((o) => o.path));
  });
});
