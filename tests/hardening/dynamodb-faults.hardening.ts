import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { type Config, defaultConfig } from "../../src/config";
import { StoreUnavailableError } from "../../src/errors";
import { createDynamoClient, openDynamoStore } from "../../src/store/dynamodb";
import type { EndpointAttributes, Store } from "../../src/store/store";
import { type RestartableDynamo, restartableDynamoDbLocal } from "../support/dynamodb-local";
import { tcpRelay } from "../support/tcp-relay";

/**
 * The DynamoDB store when its endpoint goes away or misbehaves: 503 within a bound set by
 * config, nothing acknowledged lost, nothing half-written. One outage stops AWS's DynamoDB Local
 * (its data on disk) and starts it again, which takes 7–14 s; another cuts the network to it
 * with writes in flight. The contract is in tests/store/dynamodb.test.ts.
 */

/** A test that stops and restarts DynamoDB Local, on a loaded machine. */
const RESTARTS_MS = 90_000;

const configFor = (endpoint: string, tableName: string, overrides: Partial<Config> = {}) =>
  defaultConfig({
    dynamodbTable: tableName,
    dynamodbEndpoint: endpoint,
    dynamodbMaxAttempts: 3,
    dynamodbTimeoutMs: 500,
    ...overrides,
  });

const mock = (path: string, body = "hello"): EndpointAttributes => ({
  verb: "GET",
  path,
  response: { code: 200, headers: { "Content-Type": "text/plain" }, body },
});

describe("dynamodb store: faults", () => {
  // The default 2 s per attempt leaves DynamoDB Local room on a loaded machine while it is up;
  // once stopped it refuses connections at once. Worst case: 3 × 2 s plus 2 backoffs ≤ 500 ms.
  const ATTEMPT_MS = 2_000;
  const BOUND_MS = 7_000;
  const localConfig = (tableName: string) =>
    configFor(faulty.endpoint, tableName, { dynamodbTimeoutMs: ATTEMPT_MS });
  let faulty: RestartableDynamo;

  beforeAll(async () => {
    faulty = await restartableDynamoDbLocal("echo-faults");
  }, RESTARTS_MS);
  afterAll(async () => {
    await faulty.close();
  });

  const timed = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    let error: unknown;
    try {
      await work();
    } catch (caught) {
      error = caught;
    }
    return { error, ms: performance.now() - started };
  };

  /** One outage for these tests: DynamoDB Local is stopped once, then started again once. */
  describe("one outage", () => {
    let store: Store;
    let kept: Awaited<ReturnType<Store["endpoints"]["create"]>>;
    let users: Awaited<ReturnType<Store["users"]["listUsers"]>>;

    beforeAll(async () => {
      store = await openDynamoStore(localConfig(faulty.tableName));
      kept = await store.endpoints.create(mock("/before-outage"));
      users = await store.users.listUsers();
      await faulty.stop();
    }, RESTARTS_MS);
    afterAll(async () => {
      await store.close();
    });

    it("answers StoreUnavailableError within the bound while the endpoint is down", async () => {
      const calls: [string, () => Promise<unknown>][] = [
        ["list", () => store.endpoints.list()],
        ["get", () => store.endpoints.get(kept.id)],
        ["findByRoute", () => store.endpoints.findByRoute("GET", "/before-outage")],
        ["create", () => store.endpoints.create(mock("/during-outage"))],
        ["update", () => store.endpoints.update(kept.id, { response: { code: 500 } })],
        ["delete", () => store.endpoints.delete(kept.id)],
        ["count", () => store.endpoints.count()],
        ["getUser", () => store.users.getUser("John")],
      ];
      const timings: string[] = [];
      for (const [name, call] of calls) {
        const { error, ms } = await timed(call);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).status).toBe(503);
        expect(ms).toBeLessThan(BOUND_MS);
        timings.push(`${name} ${Math.round(ms)} ms`);
      }
      console.info(`[dynamodb faults] endpoint down: ${timings.join(", ")}`);
    });

    it("names the cause in the error detail", async () => {
      const { error } = await timed(() => store.endpoints.list());
      expect((error as StoreUnavailableError).detail).toMatch(
        /^The store is unavailable: DynamoDB could not be reached \(E[A-Z]+\) \(3 attempts\)$/,
      );
    });

    it("refuses to open while the endpoint is down, within the bound", async () => {
      const { error, ms } = await timed(() => openDynamoStore(localConfig(faulty.tableName)));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(ms).toBeLessThan(BOUND_MS);
    });

    it(
      "keeps everything acknowledged before the outage, and only that, once the endpoint is back",
      async () => {
        await faulty.restart();
        expect(await store.endpoints.list()).toEqual([kept]);
        expect(await store.endpoints.count()).toBe(1);
        expect(await store.endpoints.findByRoute("GET", kept.path)).toEqual(kept);
        expect(await store.users.listUsers()).toEqual(users);
      },
      RESTARTS_MS,
    );
  });

  it(
    "leaves no half-written endpoint when the endpoint drops during writes",
    async () => {
      const tableName = "echo-torn-writes";
      await faulty.createTable(tableName);
      // The network drops, not DynamoDB Local: a JVM stopped with writes in flight may lose
      // some it had answered, which says nothing about the store. Through a relay, the writes
      // in flight die with their connections, and the server keeps all it acknowledged.
      const relay = await tcpRelay(Number(new URL(faulty.endpoint).port));
      const store = await openDynamoStore(
        configFor(relay.endpoint, tableName, { dynamodbTimeoutMs: ATTEMPT_MS }),
      );
      const raw = DynamoDBDocumentClient.from(createDynamoClient(localConfig(tableName)));
      try {
        const existing = [];
        for (let i = 0; i < 10; i++) existing.push(await store.endpoints.create(mock(`/old-${i}`)));
        // The endpoint goes down once 8 writes are acknowledged, with the rest in flight.
        let acknowledgements = 0;
        let outage: Promise<void> | undefined;
        const acknowledge = <T>(write: Promise<T>) =>
          write.then((value) => {
            if (++acknowledgements === 8) outage = relay.cut();
            return value;
          });
        const creates = Array.from({ length: 20 }, (_, i) =>
          acknowledge(store.endpoints.create(mock(`/torn-${i}`))),
        );
        const moves = existing.map((endpoint, i) =>
          acknowledge(store.endpoints.update(endpoint.id, { path: `/moved-${i}` })),
        );
        const results = await Promise.allSettled([...creates, ...moves]);
        await outage;
        await relay.resume();
        // Writes the server had read before the cut still commit after it, unacknowledged.
        const writesLanded = await untilUnchanged(raw, tableName);

        const fulfilled = results.filter((r) => r.status === "fulfilled");
        const acknowledged = fulfilled.flatMap((r) => (r.value ? [r.value] : []));
        const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
        expect(acknowledged).toHaveLength(fulfilled.length);
        expect(acknowledged.length).toBeGreaterThanOrEqual(8);
        expect(failures.length).toBeGreaterThan(0);
        expect(failures.every((e) => e instanceof StoreUnavailableError)).toBe(true);
        const listed = await store.endpoints.list();
        for (const endpoint of acknowledged) expect(listed).toContainEqual(endpoint);
        expect(await store.endpoints.count()).toBe(listed.length);
        for (const endpoint of listed) {
          expect(await store.endpoints.findByRoute(endpoint.verb, endpoint.path)).toEqual(endpoint);
        }
        // The test, not the store, scans: every route item must belong to a listed endpoint.
        const { Items = [] } = await raw.send(new ScanCommand({ TableName: tableName }));
        const routeOwners = Items.filter((item) => String(item.pk).startsWith("ROUTE")).map(
          (item) => item.id,
        );
        expect(routeOwners.sort()).toEqual(listed.map((e) => e.id).sort());
        console.info(
          `[dynamodb faults] outage during 20 creates + 10 moves: ${acknowledged.length} acknowledged and kept, ${failures.length} refused with 503, 0 half-written; the table settled after ${writesLanded} ms`,
        );
      } finally {
        raw.destroy();
        await store.close();
        await relay.close();
      }
    },
    RESTARTS_MS,
  );
});

/**
 * Scans until two scans 250 ms apart see the same items at the same revisions, and returns how
 * long that took.
 */
async function untilUnchanged(raw: DynamoDBDocumentClient, tableName: string): Promise<number> {
  const started = performance.now();
  const state = async () => {
    const { Items = [] } = await raw.send(new ScanCommand({ TableName: tableName }));
    return Items.map((item) => `${item.pk} ${item.sk} ${item.revision ?? item.version}`)
      .sort()
      .join("\n");
  };
  let last = await state();
  for (let scan = 0; scan < 40; scan++) {
    await Bun.sleep(250);
    const now = await state();
    if (now === last) return Math.round(performance.now() - started);
    last = now;
  }
  throw new Error(`table ${tableName} was still changing after 10 s`);
}

describe("dynamodb store: misbehaving endpoints", () => {
  type Answer = () => Response | Promise<Response>;

  /**
   * A loopback stand-in for DynamoDB: it answers the store's opening Query with one user (so
   * nothing is seeded) and everything after that with `answer`, counting those requests.
   */
  function fakeDynamo(answer: Answer) {
    let requests = 0;
    let opened = false;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (request) => {
        const target = request.headers.get("x-amz-target") ?? "";
        await request.arrayBuffer();
        if (target.endsWith(".Query") && !opened) {
          opened = true;
          return dynamoJson(200, {
            Items: [{ pk: { S: "USERS" }, sk: { S: "USER#John" }, user: { S: "John" } }],
            Count: 1,
            ScannedCount: 1,
          });
        }
        requests++;
        return answer();
      },
    });
    return {
      endpoint: `http://127.0.0.1:${server.port}`,
      requests: () => requests,
      stop: () => server.stop(true),
    };
  }

  const dynamoJson = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/x-amz-json-1.0" },
    });

  const dynamoError = (status: number, type: string, extra: Record<string, unknown> = {}) =>
    dynamoJson(status, {
      __type: `com.amazonaws.dynamodb.v20120810#${type}`,
      message: `${type} from the fake`,
      ...extra,
    });

  async function failureOf(answer: Answer, work: (store: Store) => Promise<unknown>) {
    const fake = fakeDynamo(answer);
    const store = await openDynamoStore(configFor(fake.endpoint, "echo-fake"));
    const started = performance.now();
    try {
      await work(store);
      throw new Error("expected the call to fail");
    } catch (error) {
      return { error, ms: performance.now() - started, requests: fake.requests() };
    } finally {
      await store.close();
      fake.stop();
    }
  }

  it("gives up on throttling after maxAttempts requests with StoreUnavailableError", async () => {
    const { error, ms, requests } = await failureOf(
      () => dynamoError(400, "ProvisionedThroughputExceededException"),
      (store) => store.endpoints.get("0190a0b0-0000-7000-8000-000000000000"),
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).detail).toBe(
      "The store is unavailable: DynamoDB is throttling requests (3 attempts)",
    );
    expect(requests).toBe(3);
    expect(ms).toBeLessThan(1_000);
    console.info(
      `[dynamodb faults] throttled: 503 after ${requests} attempts in ${Math.round(ms)} ms`,
    );
  });

  it("times out a silent endpoint after maxAttempts attempts", async () => {
    const { error, ms, requests } = await failureOf(
      () => new Promise<Response>(() => {}),
      (store) => store.endpoints.findByRoute("GET", "/silent"),
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).detail).toBe(
      "The store is unavailable: DynamoDB did not answer within 500 ms (3 attempts)",
    );
    expect(requests).toBe(3);
    expect(ms).toBeGreaterThanOrEqual(1_500);
    expect(ms).toBeLessThan(3_000);
    console.info(
      `[dynamodb faults] silent endpoint: 503 after ${requests} attempts in ${Math.round(ms)} ms`,
    );
  });

  it("turns repeated 5xx answers into StoreUnavailableError", async () => {
    const { error, requests } = await failureOf(
      () => dynamoError(500, "InternalServerError"),
      (store) => store.endpoints.list(),
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(requests).toBe(3);
  });

  it("neither retries nor hides a request DynamoDB rejects as invalid", async () => {
    const { error, requests } = await failureOf(
      () => dynamoError(400, "ValidationException"),
      (store) => store.endpoints.count(),
    );
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).name).toBe("ValidationException");
    expect(requests).toBe(1);
  });

  it("turns a transaction cancelled by throttling into StoreUnavailableError", async () => {
    const { error, requests } = await failureOf(
      () =>
        dynamoError(400, "TransactionCanceledException", {
          CancellationReasons: [{ Code: "ThrottlingError" }, { Code: "None" }, { Code: "None" }],
        }),
      (store) => store.endpoints.create(mock("/throttled")),
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(requests).toBe(1);
  });

  it("retries transaction conflicts a bounded number of times, then reports the store busy", async () => {
    const { error, requests, ms } = await failureOf(
      () =>
        dynamoError(400, "TransactionCanceledException", {
          CancellationReasons: [
            { Code: "TransactionConflict" },
            { Code: "None" },
            { Code: "None" },
          ],
        }),
      (store) => store.endpoints.create(mock("/conflicted")),
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).detail).toContain("conflicted 12 times");
    expect(requests).toBe(12);
    // 11 pauses of at most 40, 80, 160, 320 and then 500 ms each.
    expect(ms).toBeLessThan(4_100 + 500);
  });
});
