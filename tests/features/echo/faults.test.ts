import { Database } from "bun:sqlite";
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStore } from "../../../src/store/sqlite";
import { echoApp, firstError, greeting } from "./support";

const root = mkdtempSync(join(tmpdir(), "echo-faults-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

/** An app on a SQLite file, and a second connection that can hold its write lock. */
function lockedApp() {
  const path = join(root, `echo-${++files}.sqlite`);
  const store = createSqliteStore({ path, maxEndpoints: 100, busyTimeoutMs: 20 });
  const echo = echoApp({ store });
  const locker = new Database(path);
  return {
    ...echo,
    lock: () => locker.run("BEGIN EXCLUSIVE"),
    unlock: () => {
      locker.run("ROLLBACK");
      locker.close();
    },
  };
}

describe("a database locked by another process", () => {
  it("answers 503 to a create, in the error format", async () => {
    const { create, lock, unlock } = lockedApp();
    lock();
    const response = await create();
    unlock();
    const error = await firstError(response);
    expect(error.status).toBe(503);
    expect(error).toMatchObject({
      code: "store_unavailable",
      detail: "The store is unavailable: the database is locked by another connection",
    });
  });

  it("keeps serving mocks, which only read", async () => {
    const { handle, createdId, lock, unlock } = lockedApp();
    await createdId();
    lock();
    const response = await handle(new Request("http://localhost/greeting"));
    unlock();
    expect(response.status).toBe(200);
  });

  it("acknowledges the create once the lock is gone, and nothing from before", async () => {
    const { create, list, lock, unlock } = lockedApp();
    lock();
    await create(greeting({ path: "/refused" }));
    unlock();
    expect((await create()).status).toBe(201);
    expect((await list()).map((e) => e.attributes.path)).toEqual(["/greeting"]);
  });
});
