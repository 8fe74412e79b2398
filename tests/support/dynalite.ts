/**
 * A real DynamoDB-API server for tests: dynalite, in-process on a free loopback port, with its
 * LevelDB files in a temporary folder so it can be stopped and restarted with its data intact.
 *
 * dynalite implements no transactions, so this adds TransactWriteItems on top of dynalite's own
 * item locks, condition evaluator and write actions. Like DynamoDB, a transaction that touches an
 * item another write holds is cancelled with `TransactionConflict` rather than queued.
 */

import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { TABLE_KEYS } from "../../src/store/dynamodb-keys";

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`, the same across restarts. */
  readonly endpoint: string;
  readonly tableName: string;
  /** Every `X-Amz-Target` operation the server received, in arrival order. */
  readonly operations: string[];
  /** Creates another table with the store's key schema, e.g. one per test. */
  createTable(tableName: string): Promise<void>;
  /** Takes the endpoint down: the listener closes and open connections are cut; data stays. */
  stop(): Promise<void>;
  /** Brings the endpoint back on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops for good and deletes the data. */
  close(): Promise<void>;
}

/** Placeholder credentials: dynalite checks that requests are signed, not by whom. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

const TRANSACT_TARGET = "DynamoDB_20120810.TransactWriteItems";
const MAX_TRANSACT_ITEMS = 100;

// dynalite ships CommonJS without types; these describe the parts used here.
type Callback<T> = (error: DynaliteError | null, value?: T) => void;
type AttributeMap = Record<string, Record<string, unknown>>;
interface DynaliteError extends Error {
  statusCode?: number;
  body?: Record<string, unknown>;
}
interface Lock {
  (keys: string[], exec: (release: (done: () => void) => () => void) => void): void;
  isLocked(key: string): boolean;
}
interface ItemDb {
  lock: Lock;
  get(key: string, callback: Callback<AttributeMap>): void;
  put(key: string, item: AttributeMap, callback: Callback<void>): void;
  del(key: string, callback: Callback<void>): void;
}
interface DynaliteStore {
  getItemDb(tableName: string): ItemDb;
  getTable(tableName: string, checkStatus: boolean, callback: Callback<DynaliteTable>): void;
}
type DynaliteTable = Record<string, unknown>;
type OperationData = Record<string, unknown> & { TableName: string; Key?: AttributeMap };
type Action = (store: DynaliteStore, data: OperationData, callback: Callback<unknown>) => void;
interface ActionValidation {
  types: Record<string, unknown>;
  custom: (data: OperationData, store: DynaliteStore) => string | undefined;
}

const load = createRequire(import.meta.url);
const dynalite = load("dynalite") as (options: Record<string, unknown>) => Server;
const dynaliteDb = load("dynalite/db") as {
  create(options: Record<string, unknown>): DynaliteStore;
  validateItem(item: AttributeMap, table: DynaliteTable): DynaliteError | undefined;
  validateKey(key: AttributeMap, table: DynaliteTable): DynaliteError | undefined;
  createKey(key: AttributeMap, table: DynaliteTable): string;
  checkConditional(data: OperationData, existing: AttributeMap | undefined): DynaliteError | null;
};
const validations = load("dynalite/validations") as {
  checkTypes(data: unknown, types: Record<string, unknown>): OperationData;
  checkValidations(
    data: OperationData,
    types: Record<string, unknown>,
    custom: ActionValidation["custom"],
    store: DynaliteStore,
  ): void;
};

/** Each transaction part runs as the single-item write of the same shape. */
const PARTS = {
  Put: { action: "putItem", validation: "putItem" },
  Update: { action: "updateItem", validation: "updateItem" },
  Delete: { action: "deleteItem", validation: "deleteItem" },
  ConditionCheck: { action: undefined, validation: "deleteItem" },
} as const;
type PartKind = keyof typeof PARTS;

interface Part {
  kind: PartKind;
  data: OperationData;
  itemDb: ItemDb;
  key: string;
  existing?: AttributeMap;
}

export async function startDynalite(options: { tableName?: string } = {}): Promise<LocalDynamo> {
  const tableName = options.tableName ?? "echo-test";
  const dataDir = mkdtempSync(join(tmpdir(), "dynalite-"));
  const { server, store } = createServer(dataDir);
  const operations: string[] = [];
  const transactions = new Set<Promise<void>>();
  let running = true;

  const dynaliteHandlers = server.listeners("request") as ((...args: unknown[]) => void)[];
  server.removeAllListeners("request");
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const target = String(request.headers["x-amz-target"] ?? "");
    operations.push(target.split(".")[1] ?? target);
    if (target === TRANSACT_TARGET) {
      // A stopping server takes no new transaction, so none is cut in half by the shutdown.
      if (!running) {
        response.destroy();
        return;
      }
      const transaction = serveTransaction(store, request, response);
      transactions.add(transaction);
      void transaction.finally(() => transactions.delete(transaction));
      return;
    }
    for (const handler of dynaliteHandlers) handler.call(server, request, response);
  });

  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  await createTable(endpoint, tableName);

  const stop = async () => {
    if (!running) return;
    running = false;
    await Promise.all(transactions);
    // dynalite's close also closes LevelDB, so the next listen reopens it from disk.
    const closed = new Promise<void>((resolve, reject) =>
      server.close((error?: Error) => (error ? reject(error) : resolve())),
    );
    server.closeAllConnections();
    await closed;
  };
  return {
    endpoint,
    tableName,
    operations,
    createTable: (name) => createTable(endpoint, name),
    stop,
    restart: async () => {
      if (running) return;
      await listen(server, port);
      running = true;
    },
    close: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function createServer(dataDir: string): { server: Server; store: DynaliteStore } {
  // dynalite keeps its store private; catch it as dynalite creates it.
  const create = dynaliteDb.create;
  let store: DynaliteStore | undefined;
  dynaliteDb.create = (options) => {
    store = create(options);
    return store;
  };
  try {
    const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0 });
    if (!store) throw new Error("dynalite did not create its store through dynalite/db");
    return { server, store };
  } finally {
    dynaliteDb.create = create;
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

async function createTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [
          { AttributeName: TABLE_KEYS.partition, KeyType: "HASH" },
          { AttributeName: TABLE_KEYS.sort, KeyType: "RANGE" },
        ],
        AttributeDefinitions: [
          { AttributeName: TABLE_KEYS.partition, AttributeType: "S" },
          { AttributeName: TABLE_KEYS.sort, AttributeType: "S" },
        ],
      }),
    );
    for (let attempt = 0; attempt < 100; attempt++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === "ACTIVE") return;
      await Bun.sleep(10);
    }
    throw new Error(`table ${tableName} did not become ACTIVE`);
  } finally {
    client.destroy();
  }
}

// ---- TransactWriteItems ----

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

async function serveTransaction(
  store: DynaliteStore,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  let reply: Reply;
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    reply = await transactWriteItems(store, Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    const failure = error as DynaliteError;
    reply = failure.statusCode
      ? { status: failure.statusCode, body: failure.body ?? {} }
      : { status: 500, body: { __type: "com.amazonaws.dynamodb.v20120810#InternalServerError" } };
  }
  if (response.destroyed) return;
  const payload = JSON.stringify(reply.body);
  response.statusCode = reply.status;
  response.setHeader("content-type", "application/x-amz-json-1.0");
  response.setHeader("x-amzn-requestid", crypto.randomUUID());
  response.setHeader("x-amz-crc32", String(crc32(payload)));
  response.end(payload);
}

async function transactWriteItems(store: DynaliteStore, body: string): Promise<Reply> {
  let request: { TransactItems?: unknown };
  try {
    request = JSON.parse(body);
  } catch {
    return { status: 400, body: { __type: "com.amazon.coral.service#SerializationException" } };
  }
  const items = request.TransactItems;
  if (!Array.isArray(items) || items.length < 1 || items.length > MAX_TRANSACT_ITEMS) {
    return validationFailure(`TransactItems must hold 1 to ${MAX_TRANSACT_ITEMS} items`);
  }

  const parts: Part[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const part = await preparePart(store, item);
    if ("failure" in part) return part.failure;
    const identity = `${part.data.TableName}/${part.key}`;
    if (seen.has(identity)) {
      return validationFailure(
        "Transaction request cannot include multiple operations on one item",
      );
    }
    seen.add(identity);
    parts.push(part);
  }

  // Like DynamoDB, refuse rather than wait when another write holds one of the items.
  if (parts.some((part) => part.itemDb.lock.isLocked(part.key))) {
    return cancelled(
      parts.map((part) => (part.itemDb.lock.isLocked(part.key) ? "TransactionConflict" : "None")),
    );
  }
  const release = lockAll(parts);
  try {
    await Promise.all(
      parts.map(async (part) => {
        part.existing = await read(part.itemDb, part.key);
      }),
    );
    const codes = parts.map((part) =>
      dynaliteDb.checkConditional(part.data, part.existing) ? "ConditionalCheckFailed" : "None",
    );
    if (codes.includes("ConditionalCheckFailed")) return cancelled(codes);
    await applyAll(store, parts);
    return { status: 200, body: {} };
  } finally {
    release();
  }
}

async function preparePart(
  store: DynaliteStore,
  item: unknown,
): Promise<Part | { failure: Reply }> {
  const kinds = Object.keys(item ?? {}).filter((name): name is PartKind => name in PARTS);
  const kind = kinds[0];
  if (kinds.length !== 1 || kind === undefined) {
    return { failure: validationFailure("Each TransactItem must hold exactly one operation") };
  }
  const spec = PARTS[kind];
  const validation = load(`dynalite/validations/${spec.validation}`) as ActionValidation;
  const raw = (item as Record<string, unknown>)[kind];
  const data = validations.checkTypes(structuredClone(raw), validation.types);
  validations.checkValidations(data, validation.types, validation.custom, store);
  if (kind === "ConditionCheck" && data.ConditionExpression === undefined) {
    return { failure: validationFailure("ConditionCheck requires a ConditionExpression") };
  }
  const table = await new Promise<DynaliteTable>((resolve, reject) =>
    store.getTable(data.TableName, false, (error, found) =>
      error || !found ? reject(error) : resolve(found),
    ),
  );
  const keyItem = kind === "Put" ? (data.Item as AttributeMap) : data.Key;
  const invalid =
    kind === "Put"
      ? dynaliteDb.validateItem(keyItem ?? {}, table)
      : dynaliteDb.validateKey(keyItem ?? {}, table);
  if (invalid) throw invalid;
  return {
    kind,
    data,
    itemDb: store.getItemDb(data.TableName),
    key: dynaliteDb.createKey(keyItem ?? {}, table),
  };
}

/** Takes every part's lock at once; the caller has checked that none is held. */
function lockAll(parts: Part[]): () => void {
  const releases: (() => void)[] = [];
  const byDb = new Map<ItemDb, string[]>();
  for (const part of parts) byDb.set(part.itemDb, [...(byDb.get(part.itemDb) ?? []), part.key]);
  for (const [itemDb, keys] of byDb) {
    let acquired = false;
    itemDb.lock(keys, (release) => {
      acquired = true;
      releases.push(release(() => {}));
    });
    if (!acquired) throw new Error("a free dynalite lock was not granted at once");
  }
  return () => {
    for (const release of releases) release();
  };
}

/** Runs each write through dynalite's own action, under the locks this transaction holds. */
async function applyAll(store: DynaliteStore, parts: Part[]): Promise<void> {
  const unlocked = heldLockStore(store);
  const writes = parts.filter((part) => PARTS[part.kind].action !== undefined);
  const outcomes = await Promise.allSettled(
    writes.map((part) => {
      const action = load(`dynalite/actions/${PARTS[part.kind].action}`) as Action;
      return new Promise<void>((resolve, reject) =>
        action(unlocked, part.data, (error) => (error ? reject(error) : resolve())),
      );
    }),
  );
  const failure = outcomes.find((outcome) => outcome.status === "rejected");
  if (failure === undefined) return;
  // All or nothing: put back every item as it was before the transaction.
  for (const part of writes) await restore(part);
  throw failure.reason;
}

/** The same store, whose item locks are already held by the running transaction. */
function heldLockStore(store: DynaliteStore): DynaliteStore {
  const heldLock = Object.assign(
    (_keys: unknown, exec: (release: (done: () => void) => () => void) => void) =>
      exec((done) => done),
    { isLocked: () => true },
  ) as unknown as Lock;
  return Object.assign(Object.create(store) as DynaliteStore, {
    getItemDb: (tableName: string) =>
      Object.assign(Object.create(store.getItemDb(tableName)) as ItemDb, { lock: heldLock }),
  });
}

function read(itemDb: ItemDb, key: string): Promise<AttributeMap | undefined> {
  return new Promise((resolve, reject) =>
    itemDb.get(key, (error, item) => {
      if (error && error.name !== "NotFoundError") reject(error);
      else resolve(error ? undefined : item);
    }),
  );
}

function restore(part: Part): Promise<void> {
  return new Promise((resolve, reject) => {
    const done: Callback<void> = (error) => (error ? reject(error) : resolve());
    if (part.existing) part.itemDb.put(part.key, part.existing, done);
    else part.itemDb.del(part.key, done);
  });
}

function cancelled(codes: string[]): Reply {
  return {
    status: 400,
    body: {
      __type: "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
      Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(", ")}]`,
      CancellationReasons: codes.map((code) =>
        code === "None"
          ? { Code: code }
          : {
              Code: code,
              Message:
                code === "ConditionalCheckFailed"
                  ? "The conditional request failed"
                  : "Transaction is ongoing for the item",
            },
      ),
    },
  };
}

function validationFailure(message: string): Reply {
  return {
    status: 400,
    body: { __type: "com.amazon.coral.validate#ValidationException", message },
  };
}
