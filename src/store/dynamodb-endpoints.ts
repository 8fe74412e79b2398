import { createHash } from "node:crypto";
import { StoreUnavailableError } from "../errors";
import { TABLE_KEYS } from "./dynamodb-keys";
import {
  type Condition,
  type DynamoTable,
  type Item,
  type TransactItem,
  WRITE_ATTEMPTS,
} from "./dynamodb-table";
import {
  type Endpoint,
  type EndpointAttributes,
  EndpointLimitError,
  type EndpointStore,
  type MockResponse,
  RouteTakenError,
} from "./store";

/**
 * Mock endpoints in DynamoDB (layout in dynamodb-keys.ts). Every write that touches more than one
 * item is a single TransactWriteItems, so no failure leaves a partial record; every read is
 * strongly consistent, so a mock answers as soon as its create returns.
 */

const PK = TABLE_KEYS.partition;
const SK = TABLE_KEYS.sort;
const ENDPOINTS_PARTITION = "ENDPOINTS";
const ROUTE_SORT = "ROUTE";
const META_PARTITION = "META";
const COUNT_SORT = "ENDPOINT_COUNT";

/** DynamoDB's key size limits, in UTF-8 bytes. */
const MAX_PARTITION_KEY_BYTES = 2048;
const MAX_SORT_KEY_BYTES = 1024;

const endpointKey = (id: string) => ({ [PK]: ENDPOINTS_PARTITION, [SK]: id });
const countKey = () => ({ [PK]: META_PARTITION, [SK]: COUNT_SORT });

/** `ROUTE#<VERB> <path>`; a route too long for a partition key is addressed by its SHA-256. */
function routeKey(verb: string, path: string) {
  const readable = `ROUTE#${verb} ${path}`;
  const partition =
    Buffer.byteLength(readable, "utf8") <= MAX_PARTITION_KEY_BYTES
      ? readable
      : `ROUTEHASH#${verb} ${createHash("sha256").update(path, "utf8").digest("hex")}`;
  return { [PK]: partition, [SK]: ROUTE_SORT };
}

export const fitsSortKey = (value: string) =>
  value.length > 0 && Buffer.byteLength(value, "utf8") <= MAX_SORT_KEY_BYTES;

/** The attributes both the endpoint item and its route item hold. */
interface EndpointRecord extends Endpoint {
  /** Bumped on every write; updates and deletes require the revision they read. */
  revision: number;
}

export function dynamoEndpointStore(table: DynamoTable, maxEndpoints: number): EndpointStore {
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
