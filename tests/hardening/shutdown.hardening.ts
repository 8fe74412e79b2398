import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningServer, startServer } from "../support/process";
import { bodyText, connectionRefused, rawExchange } from "../support/raw-http";

/**
 * SIGTERM while 200 creates arrive, one per connection, 1.5 ms apart, on the service from source
 * with a SQLite file: the signal lands in the middle of the burst, while a /api/smart request
 * waits on an upstream that holds it. Then the service restarts on the same file.
 *
 * The upstream answers only once the test has seen new connections refused, so "stops
 * accepting while still finishing in-flight work" is checked by the order of events, not by a
 * time limit, and holds however loaded the machine is.
 */

const CREATES = 200;
const SPACING_MS = 1.5;
const SIGNAL_AFTER_MS = 150;
/** A request sent this long before the signal has surely been accepted by the server. */
const ACCEPTED_MS = 2;
/** Longer than any wait below: the service must not cut the held request short. */
const GRACE_MS = 60_000;

/** An upstream that holds every request until released. */
function heldUpstream() {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  const { promise: reached, resolve: reach } = Promise.withResolvers<void>();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async () => {
      reach();
      await released;
      return Response.json({ time: 1 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/api/work`,
    /** Settles once a request is waiting here. */
    reached,
    release,
    stop: () => server.stop(true),
  };
}

type Outcome =
  | { kind: "answered"; status: number; sentAt: number; path: string; id?: string }
  | { kind: "refused" | "dropped"; sentAt: number; path: string };

let upstream: ReturnType<typeof heldUpstream>;
let server: RunningServer;
let dataDir: string;
let outcomes: Outcome[] = [];
let slow: Awaited<ReturnType<typeof rawExchange>>;
let releasedAt = Number.NaN;
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
  upstream = heldUpstream();
  dataDir = mkdtempSync(join(tmpdir(), "shutdown-"));
  server = await startServer({
    env: {
      SQLITE_PATH: join(dataDir, "echo.sqlite"),
      SMART_UPSTREAM_URL: upstream.url,
      SMART_ATTEMPT_TIMEOUT_MS: String(GRACE_MS),
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
    },
  });
  const slowRequest = rawExchange(
    server.port,
    "GET /api/smart HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    { timeoutMs: GRACE_MS },
  );
  const burst = Promise.all(Array.from({ length: CREATES }, (_, i) => attempt(i)));
  await Promise.all([Bun.sleep(SIGNAL_AFTER_MS), upstream.reached]);
  signalAt = performance.now();
  server.proc.kill("SIGTERM");
  const exited = server.proc.exited.then((code) => {
    exitedAt = performance.now();
    return code;
  });
  const giveUpAt = signalAt + 30_000;
  while (server.proc.exitCode === null && Number.isNaN(firstRefusalAt)) {
    if (await connectionRefused(server.port)) firstRefusalAt = performance.now();
    else if (performance.now() > giveUpAt) break;
    else await Bun.sleep(2);
  }
  releasedAt = performance.now();
  upstream.release();
  exitCode = await exited;
  outcomes = await burst;
  slow = await slowRequest;
  const count = (kind: Outcome["kind"]) => outcomes.filter((o) => o.kind === kind).length;
  console.info(
    `[shutdown] SIGTERM amid ${CREATES} creates: ${count("answered")} answered (201), ${count("refused")} refused at connect, ${count("dropped")} closed unanswered; refusing new connections ${Math.round(firstRefusalAt - signalAt)} ms after the signal; exit ${exitCode} ${Math.round(exitedAt - releasedAt)} ms after the upstream answered`,
  );
}, 90_000);

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

  it("refuses new connections while a request is still in flight upstream", () => {
    expect(firstRefusalAt).toBeGreaterThan(signalAt);
    expect(firstRefusalAt).toBeLessThanOrEqual(releasedAt);
    expect(exitedAt).toBeGreaterThan(releasedAt);
  });

  it("serves no create that arrives once it refuses connections", () => {
    const late = outcomes.filter((o) => o.sentAt > firstRefusalAt && o.kind === "answered");
    expect(late).toEqual([]);
  });

  it("exits 0 soon after its last in-flight request is done", () => {
    expect(exitCode).toBe(0);
    expect(exitedAt - releasedAt).toBeLessThan(5_000);
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
