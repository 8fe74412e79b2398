import type { Database, Statement } from "bun:sqlite";
import { StoreUnavailableError } from "../errors";
import type { Logger } from "../observability/logger";
import {
  disabledJournal,
  type JournalEntry,
  type JournalQuery,
  type JournalStore,
} from "./journal";
import { openDatabase } from "./sqlite-connection";

/**
 * The journal on SQLite, on its own connection to the store's file. Recording only puts the entry
 * in an in-memory ring of the newest `size`; the ring is written in one transaction at most every
 * FLUSH_MS, off the response path, and every read writes it first, so this process lists a request
 * as soon as its response is sent. Under load only the newest `size` entries of each interval are
 * ever written, which is what keeps recording cheap. The table keeps the newest `size` entries.
 * The connection runs `synchronous = NORMAL`: a power cut may lose the last journal entries,
 * never the mocks (their connection stays on FULL).
 */

export interface SqliteJournalOptions {
  path: string;
  size: number;
  busyTimeoutMs?: number;
  logger?: Logger;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS journal (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT    NOT NULL UNIQUE,
  time           TEXT    NOT NULL,
  method         TEXT    NOT NULL,
  path           TEXT    NOT NULL,
  query          TEXT    NOT NULL,
  headers        TEXT    NOT NULL,
  body           TEXT    NOT NULL,
  body_truncated INTEGER NOT NULL,
  status         INTEGER NOT NULL,
  endpoint       TEXT
);`;

interface Row {
  id: string;
  time: string;
  method: string;
  path: string;
  query: string;
  headers: string;
  body: string;
  body_truncated: number;
  status: number;
  endpoint: string | null;
}

type Bindings = Record<string, string | number | null>;

const toEntry = (row: Row): JournalEntry => ({
  id: row.id,
  time: row.time,
  method: row.method,
  path: row.path,
  query: row.query,
  headers: JSON.parse(row.headers) as Record<string, string>,
  body: row.body,
  bodyTruncated: row.body_truncated === 1,
  status: row.status,
  endpoint: row.endpoint,
});

/** The longest a recorded entry waits in memory; other processes on the file see it after this. */
export const FLUSH_MS = 1_000;

const COLUMNS = "id, time, method, path, query, headers, body, body_truncated, status, endpoint";

class JournalConnection {
  readonly db: Database;
  readonly insert: Statement<unknown, [Bindings]>;
  readonly trim: Statement<unknown, [Bindings]>;
  readonly select: Statement<Row, [Bindings]>;
  readonly getOne: Statement<Row, [string]>;
  readonly deleteAll: Statement<unknown, []>;
  readonly write: (entries: JournalEntry[]) => void;

  constructor(path: string, size: number, busyTimeoutMs: number) {
    this.db = openDatabase(path);
    try {
      this.db.run(`PRAGMA busy_timeout = ${Math.floor(busyTimeoutMs)}`);
      this.db.run("PRAGMA journal_mode = WAL");
      this.db.run("PRAGMA synchronous = NORMAL");
      this.db.run(SCHEMA);
      this.insert = this.db.prepare(
        `INSERT OR IGNORE INTO journal (${COLUMNS}) VALUES
         ($id, $time, $method, $path, $query, $headers, $body, $truncated, $status, $endpoint)`,
      );
      this.trim = this.db.prepare(
        "DELETE FROM journal WHERE seq <= (SELECT MAX(seq) FROM journal) - $size",
      );
      this.select = this.db.prepare(
        `SELECT ${COLUMNS} FROM journal
         WHERE ($after IS NULL OR id < $after)
           AND ($endpoint IS NULL OR endpoint = $endpoint)
           AND ($matched IS NULL OR (endpoint IS NOT NULL) = $matched)
           AND ($method IS NULL OR method = $method)
           AND ($path IS NULL OR path = $path)
         ORDER BY id DESC LIMIT $limit`,
      );
      this.getOne = this.db.prepare(`SELECT ${COLUMNS} FROM journal WHERE id = ?`);
      this.deleteAll = this.db.prepare("DELETE FROM journal");
      this.write = this.db.transaction((entries: JournalEntry[]) => {
        for (const e of entries) {
          this.insert.run({
            id: e.id,
            time: e.time,
            method: e.method,
            path: e.path,
            query: e.query,
            headers: JSON.stringify(e.headers),
            body: e.body,
            truncated: e.bodyTruncated ? 1 : 0,
            status: e.status,
            endpoint: e.endpoint,
          });
        }
        this.trim.run({ size });
      });
    } catch (error) {
      this.db.close(false);
      throw error;
    }
  }

  close() {
    for (const s of [this.insert, this.trim, this.select, this.getOne, this.deleteAll]) {
      s.finalize();
    }
    this.db.close(false);
  }
}

export function createSqliteJournal(options: SqliteJournalOptions): JournalStore & {
  close(): void;
} {
  const { path, size, logger } = options;
  if (size === 0) return { ...disabledJournal, close: () => {} };
  let connection: JournalConnection | undefined;
  // A ring of the newest `size` pending entries: `count` recorded since the last write.
  const ring: (JournalEntry | undefined)[] = new Array(size);
  let count = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const connect = () => {
    if (closed) throw new StoreUnavailableError("The store is closed");
    connection ??= new JournalConnection(path, size, options.busyTimeoutMs ?? 2_000);
    return connection;
  };

  /** Runs `operation`; a SQLite failure closes the connection (reopened next time) → 503. */
  const run = <T>(operation: (c: JournalConnection) => T): T => {
    try {
      return operation(connect());
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      connection?.close();
      connection = undefined;
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(`The journal is unavailable: ${reason}`, error);
    }
  };

  const takePending = () => {
    const kept = Math.min(count, size);
    const batch: JournalEntry[] = [];
    for (let i = count - kept; i < count; i++) {
      const entry = ring[i % size];
      if (entry) batch.push(entry);
    }
    ring.fill(undefined);
    count = 0;
    return batch;
  };

  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (count === 0) return;
    // Entries older than the newest `size` would be trimmed at once, so they are never written.
    const batch = takePending();
    run((c) => c.write(batch));
  };

  const flushLogged = () => {
    try {
      flush();
    } catch (error) {
      logger?.warn("journal entries lost", { reason: (error as Error).message });
    }
  };

  return {
    enabled: true,
    record: async (entry) => {
      ring[count % size] = entry;
      count++;
      if (timer === undefined) {
        timer = setTimeout(flushLogged, FLUSH_MS);
        timer.unref();
      }
    },
    list: async (query: JournalQuery) => {
      flush();
      return run((c) =>
        c.select
          .all({
            after: query.after ?? null,
            endpoint: query.endpoint ?? null,
            matched: query.matched === undefined ? null : query.matched ? 1 : 0,
            method: query.method ?? null,
            path: query.path ?? null,
            limit: query.limit,
          })
          .map(toEntry),
      );
    },
    get: async (id) => {
      flush();
      const row = run((c) => c.getOne.get(id));
      return row ? toEntry(row) : undefined;
    },
    clear: async () => {
      takePending();
      run((c) => c.deleteAll.run());
    },
    close: () => {
      flushLogged();
      closed = true;
      connection?.close();
      connection = undefined;
    },
  };
}
