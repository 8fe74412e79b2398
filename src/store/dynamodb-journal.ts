import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import { translateDynamoError } from "./dynamodb-errors";
import { JOURNAL_KEYS, TABLE_KEYS } from "./dynamodb-keys";
import {
  disabledJournal,
  type JournalEntry,
  type JournalOptions,
  type JournalQuery,
  type JournalStore,
  matchesQuery,
  uuidv7Time,
} from "./journal";

/**
 * The journal on DynamoDB. One partition takes at most 1,000 write units a second, so entries
 * are spread over JOURNAL_KEYS.shards partitions per hour: `JOURNAL#<hour>#<shard>`, the shard
 * being the last hex digit of the entry's UUIDv7 id, so `get` is one GetItem. The sort key is
 * the id, so each shard lists newest-first by itself; `list` queries the shards of one hour in
 * parallel and merges them, hour by hour, going back through a small index of the hours that
 * hold entries. `clear` writes one marker: older entries are hidden and expire by their TTL.
 * Writes are awaited: on Lambda, nothing runs after the response is sent.
 */

type Item = Record<string, unknown>;

const { partition: PK, sort: SK } = TABLE_KEYS;
const HOUR_MS = 3_600_000;
/** Sorts after every id, for a query with no cursor. */
const NEWEST = "~";

export const shardOf = (id: string) => Number.parseInt(id.slice(-1), 16) % JOURNAL_KEYS.shards;
const hourOf = (ms: number) => String(Math.floor(ms / HOUR_MS)).padStart(10, "0");
const entryKey = (id: string) => ({
  [PK]: `${JOURNAL_KEYS.entryPrefix}${hourOf(uuidv7Time(id) ?? 0)}#${shardOf(id)}`,
  [SK]: id,
});
const hourIndexKey = (hour: string) => ({ [PK]: JOURNAL_KEYS.hoursPartition, [SK]: hour });
const clearedKey = { [PK]: JOURNAL_KEYS.metaPartition, [SK]: JOURNAL_KEYS.clearedSort };

function toEntry(item: Item): JournalEntry {
  return {
    id: String(item.id),
    time: String(item.time),
    method: String(item.method),
    path: String(item.path),
    query: String(item.query ?? ""),
    headers: { ...(item.headers as Record<string, string>) },
    body: String(item.body ?? ""),
    bodyTruncated: item.bodyTruncated === true,
    status: Number(item.status),
    endpoint: item.endpoint === null || item.endpoint === undefined ? null : String(item.endpoint),
  };
}

export function dynamoJournal(
  documents: DynamoDBDocumentClient,
  table: string,
  options: JournalOptions & { timeoutMs?: number },
  now: () => number = Date.now,
): JournalStore {
  if (options.size === 0) return disabledJournal;
  const ttl = options.ttlSeconds;
  let indexedHour = "";

  const guard = async <T>(request: Promise<T>): Promise<T> => {
    try {
      return await request;
    } catch (error) {
      throw translateDynamoError(error, options.timeoutMs ?? 2_000);
    }
  };

  /** Entries newer than this id were recorded after the last clear. */
  const clearedBefore = async () => {
    const { Item } = await guard(
      documents.send(new GetCommand({ TableName: table, Key: clearedKey, ConsistentRead: true })),
    );
    return Item ? String(Item.before) : "";
  };

  /** The items of one partition, newest first, page by page, as long as the caller reads. */
  async function* newestFirst(
    partition: string,
    range: string,
    values: Record<string, string>,
    limit?: number,
  ) {
    let startKey: Item | undefined;
    do {
      const page = await guard(
        documents.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: `#pk = :pk AND #sk ${range}`,
            ExpressionAttributeNames: { "#pk": PK, "#sk": SK },
            ExpressionAttributeValues: { ":pk": partition, ...values },
            ScanIndexForward: false,
            ConsistentRead: true,
            Limit: limit,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      yield* page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /** Up to `need` matching entries of one shard, newest first, below `before`, above `floor`. */
  const shardEntries = async (
    partition: string,
    before: string,
    floor: string,
    query: JournalQuery,
    need: number,
  ) => {
    const found: JournalEntry[] = [];
    const nowSeconds = Math.floor(now() / 1000);
    const items = newestFirst(partition, "< :before", { ":before": before }, Math.max(need, 25));
    for await (const item of items) {
      if (String(item[SK]) <= floor) break;
      // TTL deletion lags; an expired entry is already gone as far as readers go.
      if (Number(item[JOURNAL_KEYS.ttlAttribute]) < nowSeconds) continue;
      const entry = toEntry(item);
      if (matchesQuery(entry, query)) found.push(entry);
      if (found.length >= need) break;
    }
    return found;
  };

  /** The hours holding entries, newest first, from `fromHour` back to `floorHour`. */
  async function* hours(fromHour: string, floorHour: string) {
    const range = { ":floor": floorHour, ":from": fromHour };
    const items = newestFirst(JOURNAL_KEYS.hoursPartition, "BETWEEN :floor AND :from", range);
    for await (const item of items) yield String(item[SK]);
  }

  return {
    enabled: true,
    record: async (entry) => {
      const expires = Math.floor(now() / 1000) + ttl;
      const hour = hourOf(uuidv7Time(entry.id) ?? 0);
      const writes: Promise<unknown>[] = [
        guard(
          documents.send(
            new PutCommand({
              TableName: table,
              Item: { ...entryKey(entry.id), ...entry, [JOURNAL_KEYS.ttlAttribute]: expires },
            }),
          ),
        ),
      ];
      // Each instance indexes an hour once; the index item outlives the entries it points to.
      if (hour !== indexedHour) {
        writes.push(
          guard(
            documents.send(
              new PutCommand({
                TableName: table,
                Item: {
                  ...hourIndexKey(hour),
                  [JOURNAL_KEYS.ttlAttribute]: expires + HOUR_MS / 1000,
                },
              }),
            ),
          ).then(() => {
            indexedHour = hour;
          }),
        );
      }
      await Promise.all(writes);
    },

    list: async (query) => {
      const floor = await clearedBefore();
      const before = query.after ?? NEWEST;
      const fromHour = hourOf(query.after ? (uuidv7Time(query.after) ?? 0) : now());
      const floorHour = hourOf(floor ? (uuidv7Time(floor) ?? 0) : now() - ttl * 1000 - HOUR_MS);
      const result: JournalEntry[] = [];
      for await (const hour of hours(fromHour, floorHour)) {
        const need = query.limit - result.length;
        const shards = await Promise.all(
          Array.from({ length: JOURNAL_KEYS.shards }, (_, shard) =>
            shardEntries(`${JOURNAL_KEYS.entryPrefix}${hour}#${shard}`, before, floor, query, need),
          ),
        );
        const merged = shards.flat().sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        result.push(...merged.slice(0, need));
        if (result.length >= query.limit) break;
      }
      return result;
    },

    get: async (id) => {
      if (uuidv7Time(id) === undefined || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
      const [floor, { Item }] = await Promise.all([
        clearedBefore(),
        guard(
          documents.send(
            new GetCommand({ TableName: table, Key: entryKey(id), ConsistentRead: true }),
          ),
        ),
      ]);
      if (!Item || id <= floor) return undefined;
      if (Number(Item[JOURNAL_KEYS.ttlAttribute]) < Math.floor(now() / 1000)) return undefined;
      return toEntry(Item);
    },

    clear: async () => {
      await guard(
        documents.send(
          new PutCommand({ TableName: table, Item: { ...clearedKey, before: Bun.randomUUIDv7() } }),
        ),
      );
    },
  };
}
