import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { join } from "node:path";
import { type RunningServer, startServer } from "../support/process";
import { type SmallDisk, smallDisk } from "../support/small-disk";

/**
 * A full disk under the SQLite store, on the listening service: 503 in the error format, reads
 * still served, nothing half-written, and writes accepted again once space is back, without a
 * restart. A read-only file and a lock held elsewhere are covered by
 * tests/hardening/echo-server.hardening.ts and tests/features/echo/faults.test.ts.
 */

const JSONAPI = "application/vnd.api+json";
const BIG_BODY = "x".repeat(64 * 1024);

let disk: SmallDisk;
let server: RunningServer;
let dbPath: string;
/** Every mock the service acknowledged with a 201, as it answered. */
const acknowledged: { id: string; path: string; body: string }[] = [];
let refusal: Response | undefined;
let refusalBody: unknown;

const create = (path: string, body: string) =>
  fetch(`${server.url}/endpoints`, {
    method: "POST",
    headers: { "content-type": JSONAPI },
    body: JSON.stringify({
      data: { type: "endpoints", attributes: { verb: "GET", path, response: { code: 200, body } } },
    }),
  });

async function createAndRecord(path: string, body: string): Promise<Response> {
  const response = await create(path, body);
  if (response.status === 201) {
    const { data } = (await response.json()) as { data: { id: string } };
    acknowledged.push({ id: data.id, path, body });
  }
  return response;
}

const listed = async () => {
  const { data } = (await (await fetch(`${server.url}/endpoints`)).json()) as {
    data: { id: string; attributes: { path: string; response: { body?: string } } }[];
  };
  return data.map((r) => ({ id: r.id, path: r.attributes.path, body: r.attributes.response.body }));
};

beforeAll(async () => {
  disk = smallDisk(1024);
  dbPath = join(disk.dir, "echo.sqlite");
  server = await startServer({
    cmd: disk.command([process.execPath, "src/main.ts"]),
    env: { SQLITE_PATH: dbPath, LOG_LEVEL: "info" },
  });
  for (let i = 0; i < 3; i++) await createAndRecord(`/before/${i}`, `kept ${i}`);
  // Room for a few more creates: the disk fills up while writes go on.
  disk.fill(server.proc.pid, 256);
  for (let i = 0; i < 60 && refusal === undefined; i++) {
    const response = await createAndRecord(`/filling/${i}`, BIG_BODY);
    if (response.status === 503) {
      refusal = response;
      refusalBody = await response.json();
    } else if (response.status !== 201) {
      throw new Error(`create answered ${response.status}: ${await response.text()}`);
    }
  }
  console.info(
    `[sqlite faults] full disk (${disk.kind}): ${acknowledged.length} creates acknowledged (${acknowledged.length - 3} while it filled up), then 503`,
  );
}, 30_000);

afterAll(async () => {
  if (server?.proc.exitCode === null) await server.stop("SIGKILL");
  disk.remove();
});

describe("a full disk under the SQLite store", () => {
  it("acknowledged creates while the disk filled up, before refusing", () => {
    expect(acknowledged.length).toBeGreaterThan(3);
  });

  it("answers 503 in the error format, saying the disk is full", () => {
    expect(refusal?.status).toBe(503);
    expect(refusal?.headers.get("retry-after")).toBe("1");
    const detail =
      disk.kind === "tmpfs"
        ? "The store is unavailable: the disk holding the database is full"
        : "The store is unavailable: a disk I/O error occurred";
    expect(refusalBody).toEqual({
      errors: [{ status: "503", code: "store_unavailable", detail }],
    });
  });

  it("keeps serving reads: the list and every acknowledged mock", async () => {
    const served = [];
    for (const mock of acknowledged) {
      const response = await fetch(`${server.url}${mock.path}`);
      served.push((await response.text()) === mock.body && response.status === 200);
    }
    expect(await listed()).toEqual(acknowledged);
    expect(served.every(Boolean)).toBe(true);
  });

  it("applies an update whole or not at all: 503 keeps the old version", async () => {
    const first = acknowledged[0];
    if (!first) throw new Error("nothing was acknowledged");
    const bigger = BIG_BODY.repeat(3);
    const response = await fetch(`${server.url}/endpoints/${first.id}`, {
      method: "PATCH",
      headers: { "content-type": JSONAPI },
      body: JSON.stringify({
        data: { type: "endpoints", attributes: { response: { code: 200, body: bigger } } },
      }),
    });
    // A file-size limit counts per file, so SQLite may still fit this into its WAL.
    if (response.status === 200) first.body = bigger;
    const served = await (await fetch(`${server.url}${first.path}`)).text();
    expect(disk.kind === "tmpfs" ? [503] : [200, 503]).toContain(response.status);
    expect(served).toBe(first.body);
  });

  it("leaves nothing half-written: the file passes SQLite's integrity check", () => {
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    } finally {
      db.close();
    }
  });

  it("accepts writes again once there is space, without a restart", async () => {
    disk.free(server.proc.pid);
    const response = await createAndRecord("/after-space-is-back", "back");
    expect(response.status).toBe(201);
    expect(await listed()).toEqual(acknowledged);
  });

  it("logged the fault with its reason, and the recovery last", async () => {
    await Bun.sleep(50);
    const events = server
      .output()
      .split("\n")
      .filter((line) => line.includes('"store unavailable"') || line.includes('"store recovered"'))
      .map((line) => JSON.parse(line) as { level: string; msg: string; reason?: string });
    expect(events[0]).toMatchObject({ level: "warn", msg: "store unavailable" });
    expect(events[0]?.reason).toBe(
      disk.kind === "tmpfs" ? "the disk holding the database is full" : "a disk I/O error occurred",
    );
    expect(events.at(-1)?.msg).toBe("store recovered");
  });

  it("lost nothing acknowledged: all of it is there after a restart", async () => {
    expect(await server.stop("SIGTERM")).toBe(0);
    server = await startServer({ env: { SQLITE_PATH: dbPath, LOG_LEVEL: "warn" } });
    expect(await listed()).toEqual(acknowledged);
  });
});
