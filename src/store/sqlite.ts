import { SQLiteError } from "bun:sqlite";
import { StoreUnavailableError } from "../errors";
import type { Logger } from "../observability/logger";
import { DEFAULT_JOURNAL_OPTIONS } from "./journal";
import { attributesJson, Connection, toEndpoint } from "./sqlite-connection";
import { createSqliteJournal } from "./sqlite-journal";
import {
  type Endpoint,
  type EndpointAttributes,
  EndpointLimitError,
  type EndpointStore,
  mergeAttributes,
  RouteTakenError,
  routeKey,
  type Store,
  type TocoUser,
  type UserStore,
} from "./store";

/**
 * The embedded store: one bun:sqlite connection in WAL mode with
 * `synchronous = FULL`, so every acknowledged write is on disk. Statements are
 * prepared once per connection; a route lookup is one indexed read on UNIQUE(verb, route_key).
 *
 * Faults (read-only file, lock held elsewhere, full disk, I/O error, file that
 * cannot be opened) surface as StoreUnavailableError. After a fault that can
 * leave the connection stale the store reopens it on the next call, so the
 * service recovers once the fault clears, without a restart.
 */

export interface SqliteStoreOptions {
  /** A file path, or `:memory:`. The file's directory is created when missing. */
  path: string;
  /** The most endpoints the store holds; `create` throws EndpointLimitError beyond it. */
  maxEndpoints: number;
  /** How long a write waits for a lock held by another connection. */
  busyTimeoutMs?: number;
  logger?: Logger;
  /** Journal entries kept; 0 turns recording off. */
  journalSize?: number;
}

/** Why each SQLite fault makes the store unavailable, by primary result code. */
const FAULTS: Record<string, string> = {
  SQLITE_READONLY: "the database file is read-only",
  SQLITE_BUSY: "the database is locked by another connection",
  SQLITE_LOCKED: "the database is locked by another connection",
  SQLITE_FULL: "the disk holding the database is full",
  SQLITE_IOERR: "a disk I/O error occurred",
  SQLITE_CANTOPEN: "the database file cannot be opened",
  SQLITE_PERM: "access to the database file is denied",
  SQLITE_CORRUPT: "the database file is damaged",
  SQLITE_NOTADB: "the file is not a SQLite database",
};

/** Faults after which the connection itself may be stale, so it is reopened. */
const REOPEN_AFTER = new Set(["SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_PERM"]);

const primaryCode = (code: string) => {
  const match = /^SQLITE_[A-Z]+/.exec(code);
  return match ? match[0] : code;
};

const columns = (endpoint: Endpoint) => ({
  id: endpoint.id,
  verb: endpoint.verb,
  path: endpoint.path,
  routeKey: routeKey(endpoint),
  attributes: attributesJson(endpoint),
});

/** Opens the store; SQLite is synchronous, so tests may also use `createSqliteStore`. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  return createSqliteStore(options);
}

export function createSqliteStore(options: SqliteStoreOptions): Store {
  const { path, maxEndpoints, logger } = options;
  const busyTimeoutMs = options.busyTimeoutMs ?? 2_000;
  let connection: Connection | undefined;
  let closed = false;
  let faulty = false;

  const fail = (error: unknown): never => {
    if (!(error instanceof SQLiteError)) throw error;
    const code = primaryCode(error.code ?? "");
    const reason = FAULTS[code];
    if (reason === undefined) throw error;
    if (REOPEN_AFTER.has(code) && connection) {
      connection.close();
      connection = undefined;
    }
    if (!faulty) {
      faulty = true;
      logger?.warn("store unavailable", { store: "sqlite", code: error.code, reason });
    }
    throw new StoreUnavailableError(`The store is unavailable: ${reason}`, error);
  };

  const connect = (): Connection => {
    if (closed) throw new StoreUnavailableError("The store is closed");
    if (connection) return connection;
    try {
      connection = new Connection(path, busyTimeoutMs);
    } catch (error) {
      if (error instanceof Error && "syscall" in error && error.syscall === "mkdir") {
        if (!faulty) {
          faulty = true;
          logger?.warn("store unavailable", {
            store: "sqlite",
            code: "code" in error ? error.code : undefined,
            reason: "the database directory cannot be created",
          });
        }
        throw new StoreUnavailableError(
          "The store is unavailable: the database directory cannot be created",
          error,
        );
      }
      return fail(error);
    }
    return connection;
  };

  /** Runs one operation on the connection, translating faults and noting recovery. */
  const run = <T>(operation: (c: Connection) => T): T => {
    let result: T;
    try {
      result = operation(connect());
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      return fail(error);
    }
    if (faulty) {
      faulty = false;
      logger?.info("store recovered", { store: "sqlite" });
    }
    return result;
  };

  const isRouteTaken = (error: unknown) =>
    error instanceof SQLiteError &&
    error.code === "SQLITE_CONSTRAINT_UNIQUE" &&
    error.message.includes("endpoints.verb");

  const endpoints: EndpointStore = {
    list: async () => run((c) => c.listEndpoints.all().map(toEndpoint)),

    get: async (id) =>
      run((c) => {
        const row = c.getEndpoint.get(id);
        return row ? toEndpoint(row) : undefined;
      }),

    findByRoute: async (verb, path) =>
      run((c) => {
        const row = c.findRoute.get(verb, path);
        return row ? toEndpoint(row) : undefined;
      }),

    create: async (attributes: EndpointAttributes) =>
      run((c) => {
        const id = Bun.randomUUIDv7();
        const created: Endpoint = { id, ...structuredClone(attributes) };
        let changes: number;
        try {
          changes = c.insertWithinLimit.run({ ...columns(created), max: maxEndpoints }).changes;
        } catch (error) {
          if (isRouteTaken(error)) throw new RouteTakenError(attributes.verb, attributes.path);
          throw error;
        }
        if (changes === 0) throw new EndpointLimitError(maxEndpoints);
        c.seenVersion = undefined;
        return created;
      }),

    update: async (id, changes) =>
      run((c) =>
        c.db
          .transaction(() => {
            const current = c.getEndpoint.get(id);
            if (!current) return undefined;
            const next = { id, ...mergeAttributes(toEndpoint(current), changes) };
            try {
              c.replaceEndpoint.get(columns(next));
            } catch (error) {
              if (isRouteTaken(error)) throw new RouteTakenError(next.verb, next.path);
              throw error;
            }
            c.seenVersion = undefined;
            return next;
          })
          .immediate(),
      ),

    delete: async (id) =>
      run((c) => {
        const deleted = c.deleteEndpoint.run(id).changes > 0;
        c.seenVersion = undefined;
        return deleted;
      }),

    version: async () => run((c) => String(c.version())),

    hit: async (id) => run((c) => c.countHit.get(id)?.hits),

    count: async () => run((c) => c.countEndpoints.get()?.n ?? 0),
  };

  const users: UserStore = {
    listUsers: async () =>
      run((c) => c.listUsers.all().map((u): TocoUser => ({ user: u.name, tocos: u.tocos }))),
    getUser: async (name) =>
      run((c) => {
        const row = c.getUser.get(name);
        return row ? { user: row.name, tocos: row.tocos } : undefined;
      }),
  };

  // Open now, so a bad path shows at start-up; a fault here is logged and retried per call.
  try {
    connect();
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
  }

  const journal = createSqliteJournal({
    path,
    size: options.journalSize ?? DEFAULT_JOURNAL_OPTIONS.size,
    busyTimeoutMs,
    logger,
  });

  return {
    kind: "sqlite",
    users,
    endpoints,
    journal,
    close: async () => {
      journal.close();
      closed = true;
      connection?.close();
      connection = undefined;
    },
  };
}
