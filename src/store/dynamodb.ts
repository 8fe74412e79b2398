/**
 * The DynamoDB store: one table, the layout in dynamodb-keys.ts. Every write that touches more
 * than one item is a single TransactWriteItems, so no failure leaves a partial record; every read
 * is strongly consistent, so a mock answers as soon as its create returns. Failures that retrying
 * later can fix become StoreUnavailableError.
 */
import { createHash } from "node:crypto";
import {
  DynamoDBClient,
  type DynamoDBClientConfig,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from "@aws-sdk/types";
import type { Config } from "../config";
import { StoreUnavailableError } from "../errors";
import { dynamoJournal } from "./dynamodb-journal";
import { TABLE_KEYS } from "./dynamodb-keys";
import {
  type Endpoint,
  type EndpointAttributes,
  EndpointLimitError,
  type EndpointStore,
  type MockResponse,
  RouteTakenError,
  SEED_USERS,
  type Store,
  type TocoUser,
  type UserStore,
} from "./store";

export interface DynamoStoreOptions {
  /** A client from createDynamoClient (e.g. with extra middleware); the caller destroys it. */
  client?: DynamoDBClient;
  /** Users written when the table holds none. */
  seedUsers?: readonly TocoUser[];
}

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];
type Item = Record<string, unknown>;
type Condition = Pick<
  NonNullable<TransactItem["Put"]>,
  "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
>;

const PK = TABLE_KEYS.partition;
const SK = TABLE_KEYS.sort;
const ENDPOINTS_PARTITION = "ENDPOINTS";
const ROUTE_SORT = "ROUTE";
const META_PARTITION = "META";
const COUNT_SORT = "ENDPOINT_COUNT";
const USERS_PARTITION = "USERS";

/** DynamoDB's key size limits, in UTF-8 bytes. */
const MAX_PARTITION_KEY_BYTES = 2048;
const MAX_SORT_KEY_BYTES = 1024;

/** Optimistic writes that lost a race (TransactionConflict, a changed revision) run again. */
const WRITE_ATTEMPTS = 12;
const MAX_CONFLICT_BACKOFF_MS = 500;
const MAX_RETRY_BACKOFF_MS = 500;

const THROTTLING_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
]);
const BUSY_ERRORS = new Set(["TransactionConflictException", "TransactionInProgressException"]);
const THROTTLING_REASONS = new Set(["ThrottlingError", "ProvisionedThroughputExceeded"]);

/** Placeholder credentials for a local endpoint (dynalite, DynamoDB Local) when none are set. */
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * The client every store operation goes through: bounded attempts, and a connect and request
 * timeout on each attempt, so a call fails within about
 * `maxAttempts × timeout + (maxAttempts − 1) × 500 ms`.
 */
export function createDynamoClient(
  config: Config,
  overrides: DynamoDBClientConfig = {},
): DynamoDBClient {
  const local = config.dynamodbEndpoint !== undefined;
  const envCredentials = Boolean(
    process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY,
  );
  return new DynamoDBClient({
    ...(local && { endpoint: config.dynamodbEndpoint }),
    ...(local && !process.env.AWS_REGION && { region: "us-east-1" }),
    ...(local && !envCredentials && { credentials: LOCAL_CREDENTIALS }),
    maxAttempts: config.dynamodbMaxAttempts,
    retryStrategy: boundedRetries(config.dynamodbMaxAttempts),
    requestHandler: {
      connectionTimeout: config.dynamodbTimeoutMs,
      requestTimeout: config.dynamodbTimeoutMs,
      throwOnRequestTimeout: true,
    },
    ...overrides,
  });
}

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
    endpoints: endpointStore(table, config.echoMaxEndpoints),
    journal: dynamoJournal(documents, tableName, {
      size: config.echoJournalSize,
      ttlSeconds: config.echoJournalTtlS,
    }),
    close: async () => {
      if (!options.client) client.destroy();
    },
  };
}

// ---- keys ----

const endpointKey = (id: string) => ({ [PK]: ENDPOINTS_PARTITION, [SK]: id });
const countKey = () => ({ [PK]: META_PARTITION, [SK]: COUNT_SORT });
const userKey = (name: string) => ({ [PK]: USERS_PARTITION, [SK]: `USER#${name}` });

/** `ROUTE#<VERB> <path>`; a route too long for a partition key is addressed by its SHA-256. */
function routeKey(verb: string, path: string) {
  const readable = `ROUTE#${verb} ${path}`;
  const partition =
    Buffer.byteLength(readable, "utf8") <= MAX_PARTITION_KEY_BYTES
      ? readable
      : `ROUTEHASH#${verb} ${createHash("sha256").update(path, "utf8").digest("hex")}`;
  return { [PK]: partition, [SK]: ROUTE_SORT };
}

const fitsSortKey = (value: string) =>
  value.length > 0 && Buffer.byteLength(value, "utf8") <= MAX_SORT_KEY_BYTES;

// ---- the table ----

/** One table's operations, each translating SDK failures into store errors. */
class DynamoTable {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    readonly name: string,
    private readonly timeoutMs: number,
  ) {}

  async get(key: Item): Promise<Item | undefined> {
    const { Item } = await this.call(() =>
      this.documents.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true })),
    );
    return Item;
  }

  /** Every item of one partition, in sort-key order, following LastEvaluatedKey. */
  async queryPartition(partition: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.call(() =>
        this.documents.send(
          new QueryCommand({
            TableName: this.name,
            KeyConditionExpression: "#pk = :pk",
            ExpressionAttributeNames: { "#pk": PK },
            ExpressionAttributeValues: { ":pk": partition },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Writes `item` unless its key exists; false when it did. */
  async putIfAbsent(item: Item): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.name,
          Item: item,
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === "ConditionalCheckFailedException") return false;
      throw this.translate(error);
    }
  }

  /**
   * Runs one transaction. Returns undefined when it committed, or each part's cancellation code
   * when a condition failed. Conflicts with concurrent transactions are retried with backoff.
   */
  async transact(items: TransactItem[]): Promise<string[] | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.documents.send(new TransactWriteCommand({ TransactItems: items }));
        return undefined;
      } catch (error) {
        if (error instanceof Error && error.name === "UnknownOperationException") {
          throw new Error(
            "The DynamoDB endpoint does not implement TransactWriteItems, which this store needs",
            { cause: error },
          );
        }
        if (!(error instanceof TransactionCanceledException)) throw this.translate(error);
        const codes = items.map((_, i) => error.CancellationReasons?.[i]?.Code ?? "None");
        if (codes.includes("ConditionalCheckFailed")) return codes;
        if (codes.some((code) => THROTTLING_REASONS.has(code))) {
          throw new StoreUnavailableError(
            "The store is unavailable: DynamoDB is throttling requests (transaction cancelled)",
            error,
          );
        }
        if (!codes.includes("TransactionConflict")) throw error;
        if (attempt >= WRITE_ATTEMPTS) {
          throw new StoreUnavailableError(
            `The store is busy: concurrent writes to the same items conflicted ${attempt} times`,
            error,
          );
        }
        await Bun.sleep(Math.random() * Math.min(MAX_CONFLICT_BACKOFF_MS, 20 * 2 ** attempt));
      }
    }
  }

  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** StoreUnavailableError for what retrying later can fix; anything else unchanged. */
  private translate(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    const reason = this.unavailableReason(error);
    if (reason === undefined) return error;
    const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
    const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
    return new StoreUnavailableError(`The store is unavailable: ${reason} (${tries})`, error);
  }

  private unavailableReason(error: Error): string | undefined {
    const code = (error as { code?: unknown }).code;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (THROTTLING_ERRORS.has(error.name)) return `DynamoDB is throttling requests`;
    if (BUSY_ERRORS.has(error.name)) return `DynamoDB reports the items busy (${error.name})`;
    if (error.name === "TimeoutError" || code === "ETIMEDOUT") {
      return `DynamoDB did not answer within ${this.timeoutMs} ms`;
    }
    if (typeof code === "string" && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) {
      return `DynamoDB could not be reached (${code})`;
    }
    if ((status !== undefined && status >= 500) || error.name === "InternalServerError") {
      return `DynamoDB failed (${error.name}${status ? `, HTTP ${status}` : ""})`;
    }
    return undefined;
  }
}

// ---- users ----

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

// ---- endpoints ----

/** The attributes both the endpoint item and its route item hold. */
interface EndpointRecord extends Endpoint {
  /** Bumped on every write; updates and deletes require the revision they read. */
  revision: number;
}

function endpointStore(table: DynamoTable, maxEndpoints: number): EndpointStore {
  const putEndpoint = (record: EndpointRecord, condition: Condition): TransactItem => ({
    Put: { TableName: table.name, Item: { ...endpointKey(record.id), ...record }, ...condition },
  });
  const putRoute = (record: EndpointRecord, condition: Condition): TransactItem => ({
    Put: {
      TableName: table.name,
      Item: { ...routeKey(record.verb, record.path), ...record },
      ...condition,
    },
  });
  const absent: Condition = {
    ConditionExpression: "attribute_not_exists(#pk)",
    ExpressionAttributeNames: { "#pk": PK },
  };
  const atRevision = (revision: number): Condition => ({
    ConditionExpression: "#revision = :revision",
    ExpressionAttributeNames: { "#revision": "revision" },
    ExpressionAttributeValues: { ":revision": revision },
  });
  const ownedBy = (id: string): Condition => ({
    ConditionExpression: "#id = :id",
    ExpressionAttributeNames: { "#id": "id" },
    ExpressionAttributeValues: { ":id": id },
  });
  const addToCount = (delta: number, limit?: number): TransactItem => ({
    Update: {
      TableName: table.name,
      Key: countKey(),
      UpdateExpression: "ADD #count :delta",
      ExpressionAttributeNames: { "#count": "count" },
      ExpressionAttributeValues: {
        ":delta": delta,
        ...(limit !== undefined && { ":limit": limit }),
      },
      ...(limit !== undefined && {
        ConditionExpression: "attribute_not_exists(#count) OR #count < :limit",
      }),
    },
  });

  const read = async (id: string): Promise<EndpointRecord | undefined> => {
    if (!fitsSortKey(id)) return undefined;
    const item = await table.get(endpointKey(id));
    return item ? toRecord(item) : undefined;
  };

  return {
    list: async () => (await table.queryPartition(ENDPOINTS_PARTITION)).map(toEndpoint),

    get: async (id) => {
      const record = await read(id);
      return record && toEndpoint(record);
    },

    findByRoute: async (verb, path) => {
      const item = await table.get(routeKey(verb, path));
      // The hashed form of a long route is checked against the stored route.
      return item && item.verb === verb && item.path === path ? toEndpoint(item) : undefined;
    },

    create: async (attributes) => {
      const record: EndpointRecord = {
        id: Bun.randomUUIDv7(),
        ...copyAttributes(attributes),
        revision: 1,
      };
      const codes = await table.transact([
        addToCount(1, maxEndpoints),
        putRoute(record, absent),
        putEndpoint(record, absent),
      ]);
      if (codes === undefined) return toEndpoint(record);
      if (codes[0] === "ConditionalCheckFailed") throw new EndpointLimitError(maxEndpoints);
      if (codes[1] === "ConditionalCheckFailed")
        throw new RouteTakenError(record.verb, record.path);
      throw new Error(`endpoint id ${record.id} already exists`);
    },

    update: async (id, changes) => {
      for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
        const current = await read(id);
        if (!current) return undefined;
        const next: EndpointRecord = {
          ...current,
          ...copyAttributes({ ...current, ...definedOnly(changes) }),
          revision: current.revision + 1,
        };
        const moves =
          routeKey(next.verb, next.path)[PK] !== routeKey(current.verb, current.path)[PK];
        const codes = await table.transact(
          moves
            ? [
                putEndpoint(next, atRevision(current.revision)),
                {
                  Delete: {
                    TableName: table.name,
                    Key: routeKey(current.verb, current.path),
                    ...ownedBy(id),
                  },
                },
                putRoute(next, absent),
              ]
            : [putEndpoint(next, atRevision(current.revision)), putRoute(next, ownedBy(id))],
        );
        if (codes === undefined) return toEndpoint(next);
        if (
          moves &&
          codes[2] === "ConditionalCheckFailed" &&
          codes[0] !== "ConditionalCheckFailed"
        ) {
          throw new RouteTakenError(next.verb, next.path);
        }
        // Changed or deleted since it was read: read it again.
      }
      throw new StoreUnavailableError(
        `The store is busy: endpoint ${id} changed during ${WRITE_ATTEMPTS} update attempts`,
      );
    },

    delete: async (id) => {
      for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
        const current = await read(id);
        if (!current) return false;
        const codes = await table.transact([
          {
            Delete: {
              TableName: table.name,
              Key: endpointKey(id),
              ...atRevision(current.revision),
            },
          },
          {
            Delete: {
              TableName: table.name,
              Key: routeKey(current.verb, current.path),
              ...ownedBy(id),
            },
          },
          addToCount(-1),
        ]);
        if (codes === undefined) return true;
      }
      throw new StoreUnavailableError(
        `The store is busy: endpoint ${id} changed during ${WRITE_ATTEMPTS} delete attempts`,
      );
    },

    count: async () => {
      const item = await table.get(countKey());
      return Math.max(0, Number(item?.count ?? 0));
    },
  };
}

function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(changes).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

/** Only the known attributes, so nothing else is ever stored. */
function copyAttributes({ verb, path, response }: EndpointAttributes): EndpointAttributes {
  return { verb, path, response: copyResponse(response) };
}

function copyResponse({ code, headers, body }: MockResponse): MockResponse {
  return {
    code,
    ...(headers !== undefined && { headers: { ...headers } }),
    ...(body !== undefined && { body }),
  };
}

function toRecord(item: Item): EndpointRecord {
  return { ...toEndpoint(item), revision: Number(item.revision) };
}

function toEndpoint(source: Item | Endpoint): Endpoint {
  const item = source as Item;
  return {
    id: String(item.id),
    verb: String(item.verb),
    path: String(item.path),
    response: copyResponse(item.response as MockResponse),
  };
}

// ---- retries ----

/**
 * At most `maxAttempts` attempts for what retrying can fix (throttling, timeouts, connection
 * failures, 5xx), with full-jitter exponential backoff capped at 500 ms.
 */
function boundedRetries(maxAttempts: number): RetryStrategyV2 {
  const token = (retryCount: number, delay: number): RetryToken => ({
    getRetryCount: () => retryCount,
    getRetryDelay: () => delay,
  });
  return {
    acquireInitialRetryToken: async () => token(0, 0),
    refreshRetryTokenForRetry: async (previous: RetryToken, info: RetryErrorInfo) => {
      const attempts = previous.getRetryCount() + 1;
      if (info.errorType === "CLIENT_ERROR" || attempts >= maxAttempts) {
        throw info.error ?? new Error("no retry left");
      }
      const base = info.errorType === "THROTTLING" ? 100 : 25;
      const ceiling = Math.min(MAX_RETRY_BACKOFF_MS, base * 2 ** (attempts - 1));
      return token(attempts, Math.round(Math.random() * ceiling));
    },
    recordSuccess: () => {},
  };
}
