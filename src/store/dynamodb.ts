/**
 * The DynamoDB store: one table, the layout in dynamodb-keys.ts; the client in dynamodb-client.ts,
 * the table operations in dynamodb-table.ts and the endpoints in dynamodb-endpoints.ts.
 * Failures that retrying later can fix become StoreUnavailableError.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Config } from "../config";
import { createDynamoClient } from "./dynamodb-client";
import { dynamoEndpointStore, fitsSortKey } from "./dynamodb-endpoints";
import { dynamoJournal } from "./dynamodb-journal";
import { TABLE_KEYS } from "./dynamodb-keys";
import { DynamoTable } from "./dynamodb-table";
import { SEED_USERS, type Store, type TocoUser, type UserStore } from "./store";

export { createDynamoClient } from "./dynamodb-client";

export interface DynamoStoreOptions {
  /** A client from createDynamoClient (e.g. with extra middleware); the caller destroys it. */
  client?: DynamoDBClient;
  /** Users written when the table holds none. */
  seedUsers?: readonly TocoUser[];
}

const USERS_PARTITION = "USERS";
const userKey = (name: string) => ({
  [TABLE_KEYS.partition]: USERS_PARTITION,
  [TABLE_KEYS.sort]: `USER#${name}`,
});

/** Opens the store on `config.dynamodbTable` and seeds the users when there are none. */
export async function openDynamoStore(
  config: Config,
  options: DynamoStoreOptions = {},
): Promise<Store> {
  const tableName = config.dynamodbTable;
  if (!tableName) throw new Error("openDynamoStore needs config.dynamodbTable");
  const client = options.client ?? createDynamoClient(config);
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const table = new DynamoTable(documents, tableName, config.dynamodbTimeoutMs);
  try {
    await seedUsers(table, options.seedUsers ?? SEED_USERS);
  } catch (error) {
    if (!options.client) client.destroy();
    throw error;
  }
  return {
    kind: "dynamodb",
    users: userStore(table),
    endpoints: dynamoEndpointStore(table, config.echoMaxEndpoints),
    journal: dynamoJournal(documents, tableName, {
      size: config.echoJournalSize,
      ttlSeconds: config.echoJournalTtlS,
      timeoutMs: config.dynamodbTimeoutMs,
    }),
    close: async () => {
      if (!options.client) client.destroy();
    },
  };
}

interface UserItem extends TocoUser {
  position: number;
}

async function seedUsers(table: DynamoTable, seed: readonly TocoUser[]): Promise<void> {
  if ((await table.queryPartition(USERS_PARTITION)).length > 0) return;
  // Conditional puts: instances starting together each try, and the first write of each user wins.
  await Promise.all(
    seed.map((user, position) =>
      table.putIfAbsent({ ...userKey(user.user), user: user.user, tocos: user.tocos, position }),
    ),
  );
}

function userStore(table: DynamoTable): UserStore {
  return {
    listUsers: async () => {
      const items = (await table.queryPartition(USERS_PARTITION)) as unknown as UserItem[];
      return items.sort((a, b) => a.position - b.position).map(toUser);
    },
    getUser: async (name) => {
      if (!fitsSortKey(`USER#${name}`)) return undefined;
      const item = await table.get(userKey(name));
      return item ? toUser(item as unknown as UserItem) : undefined;
    },
  };
}

const toUser = (item: UserItem): TocoUser => ({ user: item.user, tocos: item.tocos });
