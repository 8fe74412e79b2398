import { Database, type Statement } from "bun:sqlite";
import { type Endpoint, type EndpointAttributes, type MockResponse, SEED_USERS } from "./store";

/**
 * The SQLite schema and one connection with its statements prepared once: WAL mode with
 * `synchronous = FULL`, so every acknowledged write is on disk.
 */

export const SCHEMA_VERSION = 2;

/**
 * Opens the database file, creating it, and its folder when SQLite cannot open it there.
 * `node:fs` is loaded only then: loading it costs about 2 ms of CPU at every start.
 */
export function openDatabase(path: string): Database {
  const open = () => new Database(path, { create: true, readwrite: true, strict: true });
  try {
    return open();
  } catch (error) {
    const folder = path.slice(0, Math.max(path.lastIndexOf("/"), 0));
    if (path === ":memory:" || folder === "") throw error;
    (require("node:fs") as typeof import("node:fs")).mkdirSync(folder, { recursive: true });
    return open();
  }
}

/**
 * Version 2 keeps an endpoint's attributes beyond verb and path as JSON, its conflict key
 * (`routeKey`) and its hit counter; triggers bump `endpoints_version` on every change of an
 * endpoint (not of a hit counter), which instances read to know their index is stale.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS endpoints (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT    NOT NULL UNIQUE,
  verb       TEXT    NOT NULL,
  path       TEXT    NOT NULL,
  route_key  TEXT    NOT NULL,
  attributes TEXT    NOT NULL,
  hits       INTEGER NOT NULL DEFAULT 0,
  UNIQUE (verb, route_key)
);
CREATE TABLE IF NOT EXISTS users (
  position INTEGER PRIMARY KEY,
  name     TEXT    NOT NULL UNIQUE,
  tocos    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('endpoints_version', 0);
CREATE TRIGGER IF NOT EXISTS endpoint_created AFTER INSERT ON endpoints
  BEGIN UPDATE meta SET value = value + 1 WHERE name = 'endpoints_version'; END;
CREATE TRIGGER IF NOT EXISTS endpoint_deleted AFTER DELETE ON endpoints
  BEGIN UPDATE meta SET value = value + 1 WHERE name = 'endpoints_version'; END;
CREATE TRIGGER IF NOT EXISTS endpoint_changed AFTER UPDATE OF verb, path, attributes ON endpoints
  BEGIN UPDATE meta SET value = value + 1 WHERE name = 'endpoints_version'; END;
PRAGMA user_version = ${SCHEMA_VERSION};
`;

export interface EndpointRow {
  id: string;
  verb: string;
  path: string;
  attributes: string;
}

interface UserRow {
  name: string;
  tocos: number;
}

interface V1Row {
  seq: number;
  id: string;
  verb: string;
  path: string;
  code: number;
  headers: string | null;
  body: string | null;
}

const COLUMNS = "id, verb, path, attributes";

/** The stored JSON: every attribute but id, verb and path. */
export function attributesJson(endpoint: Endpoint): string {
  const { id: _id, verb: _verb, path: _path, ...rest } = endpoint;
  return JSON.stringify(rest);
}

export const toEndpoint = (row: EndpointRow): Endpoint => ({
  id: row.id,
  verb: row.verb,
  path: row.path,
  ...(JSON.parse(row.attributes) as Omit<EndpointAttributes, "verb" | "path">),
});

/** Version 1 held code, headers and body in columns, unique on (verb, path); rewritten in place. */
function migrateFromV1(db: Database) {
  db.run("ALTER TABLE endpoints RENAME TO endpoints_v1");
  db.run(SCHEMA);
  const insert = db.prepare(
    "INSERT INTO endpoints (seq, id, verb, path, route_key, attributes) VALUES (?, ?, ?, ?, ?, ?)",
  );
  for (const row of db.query<V1Row, []>("SELECT * FROM endpoints_v1 ORDER BY seq").all()) {
    const response: MockResponse = { code: row.code };
    if (row.headers !== null) response.headers = JSON.parse(row.headers);
    if (row.body !== null) response.body = row.body;
    insert.run(row.seq, row.id, row.verb, row.path, row.path, JSON.stringify({ response }));
  }
  insert.finalize();
  db.run("DROP TABLE endpoints_v1");
}

/** Creates or migrates the schema; the caller holds the write lock, so one process migrates. */
function createOrMigrate(db: Database) {
  const version =
    db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
  if (version === 1) migrateFromV1(db);
  else if (version !== SCHEMA_VERSION) db.run(SCHEMA);
}

/** One open connection and the statements prepared on it. */
export class Connection {
  readonly db: Database;
  readonly listEndpoints: Statement<EndpointRow, []>;
  readonly getEndpoint: Statement<EndpointRow, [string]>;
  readonly findRoute: Statement<EndpointRow, [string, string]>;
  readonly insertWithinLimit: Statement<unknown, [Record<string, string | number>]>;
  readonly replaceEndpoint: Statement<EndpointRow, [Record<string, string>]>;
  readonly deleteEndpoint: Statement<unknown, [string]>;
  readonly countEndpoints: Statement<{ n: number }, []>;
  readonly countHit: Statement<{ hits: number }, [string]>;
  readonly endpointsVersion: Statement<{ value: number }, []>;
  readonly dataVersion: Statement<{ data_version: number }, []>;
  readonly listUsers: Statement<UserRow, []>;
  readonly getUser: Statement<UserRow, [string]>;
  /** The last `endpoints_version` read, and the `data_version` it was read at. */
  seenVersion: { data: number; endpoints: number } | undefined;

  constructor(path: string, busyTimeoutMs: number) {
    this.db = openDatabase(path);
    try {
      this.db.run(`PRAGMA busy_timeout = ${Math.floor(busyTimeoutMs)}`);
      this.db.run("PRAGMA journal_mode = WAL");
      this.db.run("PRAGMA synchronous = FULL");
      // Schema and seed in one transaction: one sync to disk at start-up instead of one each.
      this.db
        .transaction(() => {
          createOrMigrate(this.db);
          this.seedUsers();
        })
        .immediate();
      const prepare = this.db.prepare.bind(this.db);
      this.listEndpoints = prepare(`SELECT ${COLUMNS} FROM endpoints ORDER BY seq`);
      this.getEndpoint = prepare(`SELECT ${COLUMNS} FROM endpoints WHERE id = ?`);
      this.findRoute = prepare(`SELECT ${COLUMNS} FROM endpoints WHERE verb = ? AND route_key = ?`);
      // One statement checks the limit and inserts, so no other writer can slip in between.
      this.insertWithinLimit = prepare(
        `INSERT INTO endpoints (id, verb, path, route_key, attributes)
         SELECT $id, $verb, $path, $routeKey, $attributes
         WHERE (SELECT COUNT(*) FROM endpoints) < $max`,
      );
      // A change resets the hit counter, so a sequence starts again.
      this.replaceEndpoint = prepare(
        `UPDATE endpoints SET verb = $verb, path = $path, route_key = $routeKey,
           attributes = $attributes, hits = 0
         WHERE id = $id RETURNING ${COLUMNS}`,
      );
      this.deleteEndpoint = prepare("DELETE FROM endpoints WHERE id = ?");
      this.countEndpoints = prepare("SELECT COUNT(*) AS n FROM endpoints");
      this.countHit = prepare("UPDATE endpoints SET hits = hits + 1 WHERE id = ? RETURNING hits");
      this.endpointsVersion = prepare("SELECT value FROM meta WHERE name = 'endpoints_version'");
      this.dataVersion = prepare("PRAGMA data_version");
      this.listUsers = prepare("SELECT name, tocos FROM users ORDER BY position");
      this.getUser = prepare("SELECT name, tocos FROM users WHERE name = ?");
    } catch (error) {
      this.db.close(false);
      throw error;
    }
  }

  /**
   * `endpoints_version`, read again only when `data_version` says another connection committed
   * (or this one wrote: `seenVersion` is then cleared), so an idle check is one pragma.
   */
  version(): number {
    const data = this.dataVersion.get()?.data_version ?? 0;
    if (this.seenVersion?.data !== data) {
      this.seenVersion = { data, endpoints: this.endpointsVersion.get()?.value ?? 0 };
    }
    return this.seenVersion.endpoints;
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
      this.replaceEndpoint,
      this.deleteEndpoint,
      this.countEndpoints,
      this.countHit,
      this.endpointsVersion,
      this.dataVersion,
      this.listUsers,
      this.getUser,
    ]) {
      statement.finalize();
    }
    this.db.close(false);
  }
}
