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
  mergeAttributes,
  RouteTakenError,
  routeKey,
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

/**
 * `ROUTE#<VERB> <route key>` (the path, for a mock without conditions or priority); a key too
 * long for a partition key is addressed by its SHA-256.
 */
function routeItemKey(verb: string, key: string) {
  const readable = `ROUTE#${verb} ${key}`;
  const partition =
    Buffer.byteLength(readable, "utf8") <= MAX_PARTITION_KEY_BYTES
      ? readable
      : `ROUTEHASH#${verb} ${new Bun.CryptoHasher("sha256").update(key, "utf8").digest("hex")}`;
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
    Put: {
      TableName: table.name,
      Item: { ...endpointKey(record.id), ...toItem(record) },
      ...condition,
    },
  });
  const putRoute = (record: EndpointRecord, condition: Condition): TransactItem => ({
    Put: {
      TableName: table.name,
      Item: { ...routeItemKey(record.verb, routeKey(record)), ...toItem(record) },
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
  // Every write also bumps `version` on the count item, which instances read to see changes.
  const addToCount = (delta: number, limit?: number): TransactItem => ({
    Update: {
      TableName: table.name,
      Key: countKey(),
      UpdateExpression: "ADD #count :delta, #version :one",
      ExpressionAttributeNames: { "#count": "count", "#version": "version" },
      ExpressionAttributeValues: {
        ":delta": delta,
        ":one": 1,
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

    findByRoute: async (verb, key) => {
      const item = await table.get(routeItemKey(verb, key));
      if (!item || item.verb !== verb) return undefined;
      // The hashed form of a long route is checked against the stored route.
      const endpoint = toEndpoint(item);
      return routeKey(endpoint) === key ? endpoint : undefined;
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
          id,
          ...copyAttributes(mergeAttributes(current, changes)),
          revision: current.revision + 1,
        };
        const currentRoute = routeItemKey(current.verb, routeKey(current));
        const moves = routeItemKey(next.verb, routeKey(next))[PK] !== currentRoute[PK];
        const codes = await table.transact(
          moves
            ? [
                putEndpoint(next, atRevision(current.revision)),
                {
                  Delete: {
                    TableName: table.name,
                    Key: currentRoute,
                    ...ownedBy(id),
                  },
                },
                putRoute(next, absent),
                addToCount(0),
              ]
            : [
                putEndpoint(next, atRevision(current.revision)),
                putRoute(next, ownedBy(id)),
                addToCount(0),
              ],
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
              Key: routeItemKey(current.verb, routeKey(current)),
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

    version: async () => String((await table.get(countKey()))?.version ?? 0),

    // The item is replaced on update, without `hits`, so an update starts the count again.
    hit: async (id) => {
      if (!fitsSortKey(id)) return undefined;
      const updated = await table.update({
        Key: endpointKey(id),
        UpdateExpression: "ADD #hits :one",
        ConditionExpression: "attribute_exists(#pk)",
        ExpressionAttributeNames: { "#hits": "hits", "#pk": PK },
        ExpressionAttributeValues: { ":one": 1 },
      });
      return updated && Number(updated.hits);
    },
  };
}

const ATTRIBUTE_NAMES = [
  "verb",
  "path",
  "request",
  "priority",
  "response",
  "responses",
  "order",
] as const satisfies readonly (keyof EndpointAttributes)[];

/** Only the known attributes, so nothing else (revision, hits) is ever stored or returned. */
function copyAttributes(source: Item | EndpointAttributes): EndpointAttributes {
  const from = source as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const name of ATTRIBUTE_NAMES) {
    if (from[name] !== undefined) copy[name] = structuredClone(from[name]);
  }
  // Stored as JSON text: conditions may hold names DynamoDB maps refuse (the empty string).
  if (typeof copy.request === "string") copy.request = JSON.parse(copy.request);
  return copy as unknown as EndpointAttributes;
}

function toItem(record: EndpointRecord): Item {
  const { request, ...rest } = record;
  return request === undefined ? rest : { ...rest, request: JSON.stringify(request) };
}

function toRecord(item: Item): EndpointRecord {
  return { ...toEndpoint(item), revision: Number(item.revision) };
}

function toEndpoint(source: Item | Endpoint): Endpoint {
  const id = String((source as Item).id);
  return { id, ...copyAttributes(source) };
}
