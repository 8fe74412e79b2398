import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../src/store/sqlite";
import { createDocument, greeting, JSONAPI } from "../features/echo/support";
import { buildServer } from "../support/compiled-server";
import { type RunningServer, startServer } from "../support/process";

/** Echo over real HTTP: the service from source on a free loopback port, with a SQLite file. */

const root = mkdtempSync(join(tmpdir(), "echo-server-"));
chmodSync(root, 0o755);
let dirs = 0;
const freshDir = () => {
  const dir = join(root, `db-${++dirs}`);
  mkdirSync(dir, { mode: 0o755 });
  return dir;
};

const running: RunningServer[] = [];
async function serve(sqlitePath: string, cmd?: string[]) {
  const server = await startServer({
    env: { SQLITE_PATH: sqlitePath, LOG_LEVEL: "warn" },
    cmd,
    // Somewhere `nobody` can enter, wherever the checkout lives.
    cwd: cmd ? root : undefined,
    timeoutMs: 20_000,
  });
  running.push(server);
  return server;
}

afterEach(async () => {
  for (const server of running.splice(0)) {
    if (server.proc.exitCode === null) await server.stop("SIGKILL");
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const post = (url: string, attributes: unknown) =>
  fetch(`${url}/endpoints`, {
    method: "POST",
    headers: { "content-type": JSONAPI },
    body: JSON.stringify(createDocument(attributes)),
  });

describe("Echo over real HTTP", () => {
  it("lets exactly one of 20 concurrent creates of one route answer 201", async () => {
    const server = await serve(join(freshDir(), "echo.sqlite"));
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(server.url, greeting({ response: { code: 200, body: `racer ${i}` } })),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
  });

  it("sends a Content-Length that matches the multi-byte body", async () => {
    const server = await serve(join(freshDir(), "echo.sqlite"));
    const body = "héllo wörld 😀";
    await (await post(server.url, greeting({ response: { code: 200, body } }))).arrayBuffer();
    const response = await fetch(`${server.url}/greeting`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(response.headers.get("content-length")).toBe(String(bytes.byteLength));
    expect(new TextDecoder().decode(bytes)).toBe(body);
  });

  it("keeps every acknowledged mock across a restart", async () => {
    const path = join(freshDir(), "echo.sqlite");
    const first = await serve(path);
    const created = [];
    for (let i = 0; i < 10; i++) {
      const response = await post(first.url, greeting({ path: `/kept/${i}` }));
      created.push(response.status);
      await response.arrayBuffer();
    }
    expect(await first.stop("SIGTERM")).toBe(0);
    const second = await serve(path);
    const served = [];
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${second.url}/kept/${i}`);
      served.push(response.status);
      await response.arrayBuffer();
    }
    expect(created).toEqual(Array(10).fill(201));
    expect(served).toEqual(Array(10).fill(200));
  });
});

/** The service compiled into `root`, which every user can read: `nobody` runs this copy. */
const compiled = join(root, "server");
const dropsPrivileges = process.getuid?.() === 0 && Bun.which("setpriv") !== null;

/**
 * A database file the service cannot write. Root writes any file, so as root the service runs
 * as `nobody` on root's file, from a compiled copy outside the checkout (which may sit in a
 * directory only its owner can enter); otherwise the file and its folder lose write permission.
 */
function readOnlyFault(dir: string, path: string) {
  if (dropsPrivileges) {
    return {
      cmd: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", compiled],
      clear() {
        chownSync(dir, 65534, 65534);
        chownSync(path, 65534, 65534);
      },
    };
  }
  chmodSync(path, 0o444);
  chmodSync(dir, 0o555);
  return {
    cmd: undefined,
    clear() {
      chmodSync(dir, 0o755);
      chmodSync(path, 0o644);
    },
  };
}

describe("a read-only database file", () => {
  beforeAll(() => {
    if (dropsPrivileges) buildServer(compiled);
  }, 120_000);

  async function faultyServer() {
    const dir = freshDir();
    const path = join(dir, "echo.sqlite");
    const seeded = await openSqliteStore({ path, maxEndpoints: 10 });
    await seeded.endpoints.create(greeting({ path: "/before" }));
    await seeded.close();
    const fault = readOnlyFault(dir, path);
    return { server: await serve(path, fault.cmd), clear: fault.clear };
  }

  it("answers 503 in the error format with a clear detail", async () => {
    const { server } = await faultyServer();
    const response = await post(server.url, greeting());
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await response.json()).toEqual({
      errors: [
        {
          status: "503",
          code: "store_unavailable",
          detail: "The store is unavailable: the database file is read-only",
        },
      ],
    });
  });

  it("answers 503 to a mock lookup rather than a false 404", async () => {
    const { server } = await faultyServer();
    const response = await fetch(`${server.url}/before`);
    await response.arrayBuffer();
    expect(response.status).toBe(503);
  });

  it("recovers once the file is writable again, with the earlier mock intact", async () => {
    const { server, clear } = await faultyServer();
    await (await post(server.url, greeting())).arrayBuffer();
    clear();
    const created = await post(server.url, greeting());
    await created.arrayBuffer();
    const before = await fetch(`${server.url}/before`);
    await before.arrayBuffer();
    expect([created.status, before.status]).toEqual([201, 200]);
  });
});
