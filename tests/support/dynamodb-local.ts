import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTable,
  type DynamoDbLocal,
  launchDynamoDbLocal,
  startDynamoDbLocal,
} from "../../scripts/dynamodb-local";
import { defaultConfig } from "../../src/config";
import { openDynamoStore } from "../../src/store/dynamodb";
import { freePort } from "./http";

/**
 * AWS's DynamoDB Local for the tests. One in-memory instance serves the whole `bun test` run:
 * the preload (tests/support/preload.ts) starts it and stops it at the end, and every test
 * file takes tables of its own on it with `freshTable()`. Fault tests start their own with
 * `restartableDynamoDbLocal()`, since they stop it.
 */

let shared: DynamoDbLocal | undefined;

/** Starts the run's shared instance, once, without waiting for it. */
export function launchSharedDynamoDbLocal(): void {
  shared ??= launchDynamoDbLocal({ port: freePort() });
}

/** The run's shared instance, once it answers. Starts it if the preload did not. */
export async function sharedDynamoDbLocal(): Promise<DynamoDbLocal> {
  launchSharedDynamoDbLocal();
  const local = shared as DynamoDbLocal;
  await local.ready;
  return local;
}

let tables = 0;

/** A new, empty table on the shared instance, named after the test file that asks for it. */
export async function freshTable(owner: string): Promise<{ endpoint: string; tableName: string }> {
  const local = await sharedDynamoDbLocal();
  const tableName = `${owner}-${++tables}`;
  await createTable(local.endpoint, tableName);
  return { endpoint: local.endpoint, tableName };
}

export interface RestartableDynamo {
  /** `http://127.0.0.1:<port>`, the same across restarts. */
  readonly endpoint: string;
  /** A table created at start. */
  readonly tableName: string;
  createTable(tableName: string): Promise<void>;
  /** Stops the server: the endpoint refuses connections until `restart()`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

/** A DynamoDB Local of its own, with its data on disk so a stop and restart keep it. */
export async function restartableDynamoDbLocal(tableName: string): Promise<RestartableDynamo> {
  const dbPath = mkdtempSync(join(tmpdir(), "dynamodb-local-"));
  const port = freePort();
  const start = async () => {
    const local = await startDynamoDbLocal({ port, dbPath });
    await warmUp(local.endpoint);
    return local;
  };
  let running: DynamoDbLocal | undefined = await start();
  const endpoint = running.endpoint;
  await createTable(endpoint, tableName);
  const stop = async () => {
    await running?.stop();
    running = undefined;
  };
  return {
    endpoint,
    tableName,
    createTable: (name) => createTable(endpoint, name),
    stop,
    async restart() {
      await stop();
      running = await start();
    },
    async close() {
      await stop();
      rmSync(dbPath, { recursive: true, force: true });
    },
  };
}

/**
 * A JVM just started answers its first requests of each kind slowly, past the store's
 * per-attempt timeout on a busy machine. A real DynamoDB coming back has no such warm-up, so
 * every store operation runs a few times on a table of its own before the tests go on.
 */
async function warmUp(endpoint: string): Promise<void> {
  await createTable(endpoint, "warm-up");
  const config = defaultConfig({
    dynamodbTable: "warm-up",
    dynamodbEndpoint: endpoint,
    dynamodbTimeoutMs: 10_000,
  });
  const store = await openDynamoStore(config);
  try {
    for (let round = 0; round < 5; round++) {
      const created = await store.endpoints.create({
        verb: "GET",
        path: `/warm-up/${crypto.randomUUID()}`,
        response: { code: 200 },
      });
      await store.endpoints.findByRoute(created.verb, created.path);
      await store.endpoints.update(created.id, { path: `${created.path}/moved` });
      await store.endpoints.list();
      await store.endpoints.count();
      await store.users.listUsers();
      await store.endpoints.delete(created.id);
    }
  } finally {
    await store.close();
  }
}
