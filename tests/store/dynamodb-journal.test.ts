import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoJournal, shardOf } from "../../src/store/dynamodb-journal";
import { JOURNAL_KEYS, TABLE_KEYS } from "../../src/store/dynamodb-keys";
import { freshTable, sharedDynamoDbLocal } from "../support/dynamodb-local";
import { journalEntry } from "./journal-contract";

/** The DynamoDB journal's key design and TTL; the shared contract runs in dynamodb.test.ts. */

let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  const local = await sharedDynamoDbLocal();
  client = new DynamoDBClient({
    endpoint: local.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  documents = DynamoDBDocumentClient.from(client);
});
afterAll(() => client.destroy());

async function journalOn(ttlSeconds: number, now: () => number = Date.now) {
  const { tableName: table } = await freshTable("journal");
  return { table, journal: dynamoJournal(documents, table, { size: 1000, ttlSeconds }, now) };
}

const rawItem = async (table: string, pk: string, sk: string) =>
  (
    await documents.send(
      new GetCommand({
        TableName: table,
        Key: { [TABLE_KEYS.partition]: pk, [TABLE_KEYS.sort]: sk },
      }),
    )
  ).Item;

describe("dynamodb journal", () => {
  it("gives each entry a TTL attribute of now plus ECHO_JOURNAL_TTL_S, in epoch seconds", async () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    const { table, journal } = await journalOn(600, () => now);
    const entry = journalEntry({ id: Bun.randomUUIDv7("hex", now) });
    await journal.record(entry);
    const hour = String(Math.floor(now / 3_600_000)).padStart(10, "0");
    const item = await rawItem(table, `JOURNAL#${hour}#${shardOf(entry.id)}`, entry.id);
    expect(item?.[JOURNAL_KEYS.ttlAttribute]).toBe(now / 1000 + 600);
  });

  it("spreads one hour's entries over the shard partitions by id", async () => {
    const { table, journal } = await journalOn(600);
    const entries = Array.from({ length: 64 }, () => journalEntry());
    await Promise.all(entries.map((entry) => journal.record(entry)));
    const hour = String(Math.floor(Date.now() / 3_600_000)).padStart(10, "0");
    const counts = await Promise.all(
      Array.from({ length: JOURNAL_KEYS.shards }, async (_, shard) => {
        const page = await documents.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: "#pk = :pk",
            ExpressionAttributeNames: { "#pk": TABLE_KEYS.partition },
            ExpressionAttributeValues: { ":pk": `JOURNAL#${hour}#${shard}` },
          }),
        );
        return page.Items?.length ?? 0;
      }),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(64);
    expect(counts.filter((n) => n > 0).length).toBeGreaterThan(8);
    const listed = await journal.list({ limit: 100 });
    expect(listed.map((e) => e.id)).toEqual(
      entries
        .map((e) => e.id)
        .sort()
        .reverse(),
    );
  });

  it("lists newest first across hours, following the hour index", async () => {
    let clock = Date.UTC(2026, 0, 2, 3, 59, 59);
    const { journal } = await journalOn(86_400, () => clock);
    const older = journalEntry({ id: Bun.randomUUIDv7("hex", clock) });
    await journal.record(older);
    clock += 3 * 3_600_000;
    const newer = journalEntry({ id: Bun.randomUUIDv7("hex", clock) });
    await journal.record(newer);
    expect((await journal.list({ limit: 10 })).map((e) => e.id)).toEqual([newer.id, older.id]);
    expect((await journal.list({ limit: 1, after: newer.id })).map((e) => e.id)).toEqual([
      older.id,
    ]);
  });

  it("hides an entry past its TTL before DynamoDB deletes it", async () => {
    let clock = Date.now();
    const { journal } = await journalOn(60, () => clock);
    const entry = journalEntry({ id: Bun.randomUUIDv7("hex", clock) });
    await journal.record(entry);
    expect(await journal.get(entry.id)).toEqual(entry);
    clock += 61_000;
    expect(await journal.get(entry.id)).toBeUndefined();
    expect(await journal.list({ limit: 10 })).toEqual([]);
  });
});
