import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type Endpoint, type MockResponse, SEED_USERS } from "./store";

/**
 * The SQLite schema and one connection with its statements prepared once: WAL mode with
 * `synchronous = FULL`, so every acknowledged write is on disk.
 */

export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS endpoints (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  id      TEXT    NOT NULL UNIQUE,
  verb    TEXT    NOT NULL,
  path    TEXT    NOT NULL,
  code    INTEGER NOT NULL,
  headers TEXT,
  body    TEXT,
  UNIQUE (verb, path)
);
CREATE TABLE IF NOT EXISTS users (
  position INTEGER PRIMARY KEY,
  name     TEXT    NOT NULL UNIQUE,
  tocos    INTEGER NOT NULL
);
PRAGMA user_version = ${SCHEMA_VERSION};
`;

export interface EndpointRow {
  id: string;
  verb: string;
  path: string;
  code: number;
  headers: string | null;
  body: string | null;
}

interface UserRow {
  name: string;
  tocos: number;
}

const COLUMNS = "id, verb, path, code, headers, body";

function toResponse(row: EndpointRow): MockResponse {
  const response: MockResponse = { code: row.code };
  if (row.headers !== null) response.headers = JSON.parse(row.headers) as Record<string, string>;
  if (row.body !== null) response.body = row.body;
  return response;
}

export const toEndpoint = (row: EndpointRow): Endpoint => ({
  id: row.id,
  verb: row.verb,
  path: row.path,
  response: toResponse(row),
});

/** One open connection and the statements prepared on it. */
export class Connection {
  readonly db: Database;
  readonly listEndpoints: Statement<EndpointRow, []>;
  readonly getEndpoint: Statement<EndpointRow, [string]>;
  readonly findRoute: Statement<EndpointRow, [string, string]>;
  readonly insertWithinLimit: Statement<unknown, [Record<string, string | number | null>]>;
  readonly updateEndpoint: Statement<EndpointRow, [Record<string, string | number | null>]>;
  readonly deleteEndpoint: Statement<unknown, [string]>;
  readonly countEndpoints: Statement<{ n: number }, []>;
  readonly listUsers: Statement<UserRow, []>;
  readonly getUser: Statement<UserRow, [string]>;

  constructor(path: string, busyTimeoutMs: number) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { create: true, readwrite: true, strict: true });
    try {
      this.db.run(`PRAGMA busy_timeout = ${Math.floor(busyTimeoutMs)}`);
      this.db.run("PRAGMA journal_mode = WAL");
      this.db.run("PRAGMA synchronous = FULL");
      // Schema and seed in one transaction: one sync to disk at start-up instead of one each.
      this.db
        .transaction(() => {
          this.db.run(SCHEMA);
          this.seedUsers();
        })
        .immediate();
      this.listEndpoints = this.db.prepare(`SELECT ${COLUMNS} FROM endpoints ORDER BY seq`);
      this.getEndpoint = this.db.prepare(`SELECT ${COLUMNS} FROM endpoints WHERE id = ?`);
      this.findRoute = this.db.prepare(
        `SELECT ${COLUMNS} FROM endpoints WHERE verb = ? AND path = ?`,
      );
      // One statement checks the limit and inserts, so no other writer can slip in between.
      this.insertWithinLimit = this.db.prepare(
        `INSERT INTO endpoints (${COLUMNS})
         SELECT $id, $verb, $path, $code, $headers, $body
         WHERE (SELECT COUNT(*) FROM endpoints) < $max`,
      );
      this.updateEndpoint = this.db.prepare(
        `UPDATE endpoints SET
           verb = COALESCE($verb, verb),
           path = COALESCE($path, path),
           code = CASE WHEN $setResponse THEN $code ELSE code END,
           headers = CASE WHEN $setResponse THEN $headers ELSE headers END,
           body = CASE WHEN $setResponse THEN $body ELSE body END
         WHERE id = $id
         RETURNING ${COLUMNS}`,
      );
      this.deleteEndpoint = this.db.prepare("DELETE FROM endpoints WHERE id = ?");
      this.countEndpoints = this.db.prepare("SELECT COUNT(*) AS n FROM endpoints");
      this.listUsers = this.db.prepare("SELECT name, tocos FROM users ORDER BY position");
      this.getUser = this.db.prepare("SELECT name, tocos FROM users WHERE name = ?");
    } catch (error) {
      this.db.close(false);
      throw error;
    }
  }

  private seedUsers() {
    const count = this.db.prepare<{ n: number }, []>("SELECT COUNT(*) AS n FROM users");
    const insert = this.db.prepare("INSERT INTO users (position, name, tocos) VALUES (?, ?, ?)");
    try {
      if ((count.get()?.n ?? 0) > 0) return;
      for (const [position, u] of SEED_USERS.entries()) insert.run(position, u.user, u.tocos);
    } finally {
      count.finalize();
      insert.finalize();
    }
  }

  /** Finalizes every statement first: a connection with live statements closes only at GC. */
  close() {
    for (const statement of [
      this.listEndpoints,
      this.getEndpoint,
      this.findRoute,
      this.insertWithinLimit,
      this.updateEndpoint,
      this.deleteEndpoint,
      this.countEndpoints,
      this.listUsers,
      this.getUser,
    ]) {
      statement.finalize();
    }
    this.db.close(false);
  }
}
