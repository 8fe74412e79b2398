import { Database } from "bun:sqlite";
import { afterAll, describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StoreUnavailableError } from "../../src/errors";
import { openSqliteStore } from "../../src/store/sqlite";
import { storeContract } from "./contract";
import { journalEntry } from "./journal-contract";

const root = mkdtempSync(join(tmpdir(), "echo-sqlite-"));
let files = 0;
const freshFile = () => join(root, `store-${++files}`, "echo.sqlite");

afterAll(() => rmSync(root, { recursive: true, force: true }));

storeContract("sqlite file", ({ maxEndpoints, journalSize }) =>
  openSqliteStore({ path: freshFile(), maxEndpoints, journalSize }),
);

storeContract("sqlite :memory:", ({ maxEndpoints, journalSize }) =>
  openSqliteStore({ path: ":memory:", maxEndpoints, journalSize }),
);

const mock = (path: string) => ({
  verb: "GET",
  path,
  response: { code: 200, headers: { "Content-Type": "text/plain" }, body: `at ${path}` },
});

describe("sqlite durability", () => {
  it("creates the database file's directory when it is missing", async () => {
    const path = join(root, "nested", "deeper", "echo.sqlite");
    const store = await openSqliteStore({ path, maxEndpoints: 10 });
    await store.endpoints.create(mock("/made"));
    await store.close();
    expect(await Bun.file(path).exists()).toBe(true);
  });

  it("keeps every acknowledged endpoint across a close and reopen", async () => {
    const path = freshFile();
    const first = await openSqliteStore({ path, maxEndpoints: 100 });
    const created = [];
    for (let i = 0; i < 25; i++) created.push(await first.endpoints.create(mock(`/keep${i}`)));
    const moved = await first.endpoints.update(created[0]?.id ?? "", { path: "/moved" });
    await first.endpoints.delete(created[1]?.id ?? "");
    await first.close();

    const second = await openSqliteStore({ path, maxEndpoints: 100 });
    const expected = [moved, ...created.slice(2)];
    expect(await second.endpoints.list()).toEqual(expected as never);
    expect((await second.endpoints.findByRoute("GET", "/moved"))?.id).toBe(created[0]?.id);
    await second.close();
  });

  it("does not seed the users twice when reopened", async () => {
    const path = freshFile();
    await (await openSqliteStore({ path, maxEndpoints: 1 })).close();
    const store = await openSqliteStore({ path, maxEndpoints: 1 });
    expect(await store.users.listUsers()).toHaveLength(3);
    await store.close();
  });

  it("sees writes of another connection to the same file", async () => {
    const path = freshFile();
    const one = await openSqliteStore({ path, maxEndpoints: 10 });
    const two = await openSqliteStore({ path, maxEndpoints: 10 });
    const created = await one.endpoints.create(mock("/shared"));
    expect(await two.endpoints.findByRoute("GET", "/shared")).toEqual(created);
    await one.close();
    await two.close();
  });

  it("checkpoints and removes the write-ahead log on close", async () => {
    const path = freshFile();
    const store = await openSqliteStore({ path, maxEndpoints: 10 });
    await store.endpoints.create(mock("/logged"));
    await store.endpoints.findByRoute("GET", "/logged");
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it("uses WAL with full synchronous writes", async () => {
    const path = freshFile();
    const store = await openSqliteStore({ path, maxEndpoints: 10 });
    const peek = new Database(path, { readonly: true });
    expect(peek.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    peek.close();
    await store.close();
  });
});

describe("sqlite concurrency", () => {
  // bun:sqlite is synchronous, so creates on one connection never overlap; the contract's
  // "20 concurrent creates" cannot race there. Threads with connections of their own can.
  it("lets exactly one of 20 creates of one route from 4 connections on 4 threads succeed", async () => {
    const path = freshFile();
    await (await openSqliteStore({ path, maxEndpoints: 100 })).close();
    const outcomes = await Promise.all(
      [0, 1, 2, 3].map(
        (racer) =>
          new Promise<string[]>((resolve, reject) => {
            const worker = new Worker(new URL("./sqlite-racer.ts", import.meta.url));
            worker.onmessage = (event: MessageEvent<string[]>) => {
              resolve(event.data);
              worker.terminate();
            };
            worker.onerror = (error) => reject(error);
            worker.postMessage({ path, racer, count: 5 });
          }),
      ),
    );
    const all = outcomes.flat().sort();
    expect(all).toEqual(["created", ...Array(19).fill("taken")]);
    const store = await openSqliteStore({ path, maxEndpoints: 100 });
    expect(await store.endpoints.count()).toBe(1);
    await store.close();
  });
});

describe("sqlite faults", () => {
  it("answers StoreUnavailableError while another connection holds the write lock", async () => {
    const path = freshFile();
    const store = await openSqliteStore({ path, maxEndpoints: 10, busyTimeoutMs: 20 });
    const locker = new Database(path);
    locker.run("BEGIN EXCLUSIVE");
    const error = await store.endpoints.create(mock("/locked")).catch((e: unknown) => e);
    locker.run("ROLLBACK");
    locker.close();
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).detail).toContain("locked");
    await store.close();
  });

  it("writes nothing for a refused write and recovers once the lock is released", async () => {
    const path = freshFile();
    const store = await openSqliteStore({ path, maxEndpoints: 10, busyTimeoutMs: 20 });
    const locker = new Database(path);
    locker.run("BEGIN EXCLUSIVE");
    await store.endpoints.create(mock("/locked")).catch(() => undefined);
    locker.run("ROLLBACK");
    locker.close();
    expect(await store.endpoints.count()).toBe(0);
    const created = await store.endpoints.create(mock("/locked"));
    expect(await store.endpoints.findByRoute("GET", "/locked")).toEqual(created);
    await store.close();
  });

  it("keeps serving reads while another connection holds the write lock", async () => {
    const path = freshFile();
    const store = await openSqliteStore({ path, maxEndpoints: 10, busyTimeoutMs: 20 });
    const created = await store.endpoints.create(mock("/readable"));
    const locker = new Database(path);
    locker.run("BEGIN EXCLUSIVE");
    const found = await store.endpoints.findByRoute("GET", "/readable");
    locker.run("ROLLBACK");
    locker.close();
    expect(found).toEqual(created);
    await store.close();
  });

  it("refuses every call after close", async () => {
    const store = await openSqliteStore({ path: ":memory:", maxEndpoints: 10 });
    await store.close();
    expect(await store.endpoints.list().catch((e: unknown) => e)).toBeInstanceOf(
      StoreUnavailableError,
    );
  });
});

describe("sqlite journal", () => {
  it("keeps only the newest journalSize entries", async () => {
    const store = await openSqliteStore({ path: freshFile(), maxEndpoints: 10, journalSize: 3 });
    try {
      const entries = Array.from({ length: 7 }, () => journalEntry());
      for (const entry of entries) await store.journal.record(entry);
      const listed = await store.journal.list({ limit: 10 });
      expect(listed.map((e) => e.id)).toEqual(
        entries
          .slice(-3)
          .map((e) => e.id)
          .reverse(),
      );
      // Written in batches, the bound holds across batches too.
      await Bun.sleep(0);
      await store.journal.record(journalEntry({ path: "/later" }));
      const after = await store.journal.list({ limit: 10 });
      expect(after.map((e): string | undefined => e.path)).toEqual([
        "/later",
        entries[6]?.path,
        entries[5]?.path,
      ]);
    } finally {
      await store.close();
    }
  });

  it("keeps recorded entries across a close and reopen", async () => {
    const path = freshFile();
    const first = await openSqliteStore({ path, maxEndpoints: 10 });
    const entry = journalEntry();
    await first.journal.record(entry);
    await first.close();
    const second = await openSqliteStore({ path, maxEndpoints: 10 });
    try {
      expect(await second.journal.get(entry.id)).toEqual(entry);
    } finally {
      await second.close();
    }
  });
});

describe("sqlite schema 1 files", () => {
  const V1 = `
    CREATE TABLE endpoints (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
      verb TEXT NOT NULL, path TEXT NOT NULL, code INTEGER NOT NULL, headers TEXT, body TEXT,
      UNIQUE (verb, path));
    CREATE TABLE users (position INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, tocos INTEGER NOT NULL);
    INSERT INTO users VALUES (0, 'John', 100);
    INSERT INTO endpoints (id, verb, path, code, headers, body)
      VALUES ('b', 'GET', '/second', 204, NULL, NULL), ('a', 'POST', '/first', 200, '{"X-A":"1"}', 'hi');
    PRAGMA user_version = 1;`;

  it("migrates them in place, keeping every endpoint, its order and its route", async () => {
    const path = freshFile();
    await openSqliteStore({ path, maxEndpoints: 10 }).then((s) => s.close());
    rmSync(path);
    const db = new Database(path);
    db.run(V1);
    db.close();
    const store = await openSqliteStore({ path, maxEndpoints: 10 });
    try {
      expect(await store.endpoints.list()).toEqual([
        { id: "b", verb: "GET", path: "/second", response: { code: 204 } },
        {
          id: "a",
          verb: "POST",
          path: "/first",
          response: { code: 200, headers: { "X-A": "1" }, body: "hi" },
        },
      ]);
      expect((await store.endpoints.findByRoute("POST", "/first"))?.id).toBe("a");
      expect(await store.users.listUsers()).toEqual([{ user: "John", tocos: 100 }]);
      const next = await store.endpoints.create(mock("/third"));
      expect((await store.endpoints.list()).map((e) => e.id)).toEqual(["b", "a", next.id]);
    } finally {
      await store.close();
    }
  });
});
