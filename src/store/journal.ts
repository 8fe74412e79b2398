/**
 * The request journal: every request a mock answered, or the mock 404 refused,
 * newest first. Part of the one store interface; every backend passes the same
 * contract (tests/store/journal-contract.ts).
 */

export interface JournalEntry {
  /** UUIDv7: time-ordered, so sorting by id sorts by arrival. */
  id: string;
  /** ISO-8601 UTC. */
  time: string;
  method: string;
  path: string;
  /** The raw query string, without `?`; empty when there is none. */
  query: string;
  /** Lower-case names; the redacted ones hold `<redacted>`. */
  headers: Record<string, string>;
  /** The first JOURNAL_BODY_BYTES of the body, as text. */
  body: string;
  bodyTruncated: boolean;
  status: number;
  /** The id of the mock that answered, or null for the mock 404. */
  endpoint: string | null;
}

/** How much of a request body the journal keeps. */
export const JOURNAL_BODY_BYTES = 64 * 1024;

export interface JournalQuery {
  /** The most entries returned. */
  limit: number;
  /** Only entries older than this id (the paging cursor). */
  after?: string;
  endpoint?: string;
  matched?: boolean;
  method?: string;
  path?: string;
}

export interface JournalStore {
  /** False when recording is off (`ECHO_JOURNAL_SIZE=0`): `record` then keeps nothing. */
  readonly enabled: boolean;
  /**
   * Records one entry. Resolves once the entry is listed by this store's `list` and `get`;
   * a backend may resolve at once and write later, as long as its reads see the entry.
   */
  record(entry: JournalEntry): Promise<void>;
  /** Entries matching every filter given, newest first. */
  list(query: JournalQuery): Promise<JournalEntry[]>;
  get(id: string): Promise<JournalEntry | undefined>;
  /** Removes every entry. */
  clear(): Promise<void>;
}

export interface JournalOptions {
  /** SQLite keeps the newest `size` entries; 0 turns recording off on every backend. */
  size: number;
  /** DynamoDB: seconds an entry lives before its TTL attribute expires it. */
  ttlSeconds: number;
}

export const DEFAULT_JOURNAL_OPTIONS: JournalOptions = { size: 1000, ttlSeconds: 86_400 };

/** True when `entry` passes every filter of `query` (the cursor aside). */
export function matchesQuery(entry: JournalEntry, query: JournalQuery): boolean {
  return (
    (query.endpoint === undefined || entry.endpoint === query.endpoint) &&
    (query.matched === undefined || (entry.endpoint !== null) === query.matched) &&
    (query.method === undefined || entry.method === query.method) &&
    (query.path === undefined || entry.path === query.path)
  );
}

/** The millisecond timestamp a UUIDv7 carries in its first 48 bits. */
export function uuidv7Time(id: string): number | undefined {
  const hex = id.slice(0, 13).replace("-", "");
  return /^[0-9a-f]{12}$/i.test(hex) ? Number.parseInt(hex, 16) : undefined;
}

/** A journal that records nothing, for a backend with recording turned off. */
export const disabledJournal: JournalStore = {
  enabled: false,
  record: async () => {},
  list: async () => [],
  get: async () => undefined,
  clear: async () => {},
};
