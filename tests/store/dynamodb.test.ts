import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { type Config, defaultConfig } from "../../src/config";
import { StoreUnavailableError } from "../../src/errors";
import { createDynamoClient, openDynamoStore } from "../../src/store/dynamodb";
import { DYNAMODB_ACTIONS } from "../../src/store/dynamodb-keys";
import {
  type EndpointAttributes,
  EndpointLimitError,
  RouteTakenError,
  SEED_USERS,
  type Store,
} from "../../src/store/store";
import { type LocalDynamo, startDynalite } from "../support/dynalite";
import { storeContract } from "./contract";

let local: LocalDynamo;
let tables = 0;

beforeAll(async () => {
  local = await startDynalite();
});
afterAll(async () => {
  await local.close();
});

/** A fresh, empty table on the shared dynalite, so each store starts clean. */
async function freshTable(): Promise<string> {
  const name = `echo-${++tables}`;
  await local.createTable(name);
  return name;
}

const configFor = (endpoint: string, tableName: string, overrides: Partial<Config> = {}) =>
  defaultConfig({
    dynamodbTable: tableName,
    dynamodbEndpoint: endpoint,
    dynamodbMaxAttempts: 3,
    dynamodbTimeoutMs: 500,
    ...overrides,
  });

storeContract("dynamodb (dynalite)", async ({ maxEndpoints, journalSize }) =>
  openDynamoStore(
    configFor(local.endpoint, await freshTable(), {
      echoMaxEndpoints: maxEndpoints,
      ...(journalSize !== undefined && { echoJournalSize: journalSize }),
    }),
  ),
);

const mock = (path: string, body = "hello"): EndpointAttributes => ({
  verb: "GET",
  path,
  response: { code: 200, headers: { "Content-Type": "text/plain" }, body },
});

interface SentRequest {
  operation: string;
  /** For TransactWriteItems: the kind of each part (Put, Update, Delete, ConditionCheck). */
  parts: string[];
}

const bodyText = (body: unknown) =>
  typeof body === "string" ? body : new TextDecoder().decode(body as Uint8Array);

/** A store whose client records every request it puts on the wire. */
async function observedStore(config: Config) {
  const client = createDynamoClient(config);
  const sent: SentRequest[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string>; body?: unknown };
      const operation = (request.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
      const items: Record<string, unknown>[] =
        operation === "TransactWriteItems" ? JSON.parse(bodyText(request.body)).TransactItems : [];
      sent.push({ operation, parts: items.flatMap((item) => Object.keys(item)) });
      return next(args);
    },
    { step: "build", name: "recordOperations" },
  );
  const store = await openDynamoStore(config, { client });
  sent.length = 0;
  return { store, client, sent, operations: () => sent.map((r) => r.operation) };
}

describe("dynamodb store: access patterns", () => {
  const opened: { store: Store; client: DynamoDBClient }[] = [];
  const observed = async () => {
    const handle = await observedStore(configFor(local.endpoint, await freshTable()));
    opened.push(handle);
    return handle;
  };
  afterAll(async () => {
    for (const { store, client } of opened) {
      await store.close();
      client.destroy();
    }
  });

  it("reads an endpoint by id with one GetItem", async () => {
    const { store, operations, sent } = await observed();
    const created = await store.endpoints.create(mock("/by-id"));
    sent.length = 0;
    expect(await store.endpoints.get(created.id)).toEqual(created);
    expect(operations()).toEqual(["GetItem"]);
  });

  it("serves a mock lookup with one GetItem on the route item", async () => {
    const { store, operations, sent } = await observed();
    const created = await store.endpoints.create(mock("/by-route"));
    sent.length = 0;
    expect(await store.endpoints.findByRoute("GET", "/by-route")).toEqual(created);
    expect(operations()).toEqual(["GetItem"]);
  });

  it("creates with one transaction: count, route and endpoint together", async () => {
    const { store, sent } = await observed();
    await store.endpoints.create(mock("/one-write"));
    expect(sent).toEqual([{ operation: "TransactWriteItems", parts: ["Update", "Put", "Put"] }]);
  });

  it("lists through Query pages in creation order, never a Scan", async () => {
    const { store, operations, sent } = await observed();
    // Six 200 KB bodies pass DynamoDB's 1 MB page size, so the list needs several pages.
    const created = [];
    for (let i = 0; i < 6; i++) {
      created.push(await store.endpoints.create(mock(`/page-${5 - i}`, "x".repeat(200_000))));
    }
    sent.length = 0;
    expect(await store.endpoints.list()).toEqual(created);
    expect(operations().length).toBeGreaterThan(1);
    expect(new Set(operations())).toEqual(new Set(["Query"]));
  });

  it("uses only the actions its IAM policy grants", async () => {
    const { store, sent } = await observed();
    const created = await store.endpoints.create(mock("/granted"));
    await store.endpoints.update(created.id, { path: "/granted-moved" });
    await store.endpoints.update(created.id, { response: { code: 204 } });
    await store.endpoints.findByRoute("GET", "/granted-moved");
    await store.endpoints.list();
    await store.endpoints.count();
    await store.users.listUsers();
    await store.users.getUser("John");
    await store.endpoints.delete(created.id);
    const partActions: Record<string, string> = {
      Put: "PutItem",
      Update: "UpdateItem",
      Delete: "DeleteItem",
      ConditionCheck: "ConditionCheckItem",
    };
    const used = sent.flatMap(({ operation, parts }) =>
      operation === "TransactWriteItems"
        ? parts.map((part) => `dynamodb:${partActions[part]}`)
        : [`dynamodb:${operation}`],
    );
    expect(used.length).toBeGreaterThan(0);
    for (const action of used) expect(DYNAMODB_ACTIONS as readonly string[]).toContain(action);
  });
});

describe("dynamodb store: seeding and concurrency", () => {
  it("seeds the users once when several instances open an empty table together", async () => {
    const config = configFor(local.endpoint, await freshTable());
    const stores = await Promise.all([1, 2, 3, 4].map(() => openDynamoStore(config)));
    try {
      for (const store of stores) expect(await store.users.listUsers()).toEqual([...SEED_USERS]);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it("does not seed a table that already holds users", async () => {
    const config = configFor(local.endpoint, await freshTable());
    const first = await openDynamoStore(config, { seedUsers: [{ user: "Ada", tocos: 1 }] });
    const second = await openDynamoStore(config);
    try {
      expect(await second.users.listUsers()).toEqual([{ user: "Ada", tocos: 1 }]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("keeps the route copy equal to the endpoint under concurrent updates", async () => {
    const store = await openDynamoStore(configFor(local.endpoint, await freshTable()));
    try {
      const created = await store.endpoints.create(mock("/contended"));
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) =>
          store.endpoints.update(created.id, {
            path: `/contended-${i}`,
            response: { code: 200 + i },
          }),
        ),
      );
      expect(results.every((r) => r.status === "fulfilled")).toBe(true);
      const final = await store.endpoints.get(created.id);
      expect(final).toBeDefined();
      expect(await store.endpoints.findByRoute("GET", final?.path ?? "")).toEqual(final);
      for (let i = 0; i < 5; i++) {
        const path = `/contended-${i}`;
        if (path !== final?.path)
          expect(await store.endpoints.findByRoute("GET", path)).toBeUndefined();
      }
      expect(await store.endpoints.findByRoute("GET", "/contended")).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  describe("20 instances with their own clients, like Lambda instances", () => {
    const instances = async (config: Config) => {
      const stores = await Promise.all(Array.from({ length: 20 }, () => openDynamoStore(config)));
      return { stores, close: () => Promise.all(stores.map((store) => store.close())) };
    };

    it("lets one of them create a contested route and refuses the other 19", async () => {
      const { stores, close } = await instances(configFor(local.endpoint, await freshTable()));
      try {
        const results = await Promise.allSettled(
          stores.map((store, i) => store.endpoints.create(mock("/race", `racer ${i}`))),
        );
        const rejected = results.filter((r) => r.status === "rejected");
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        expect(rejected.map((r) => r.reason instanceof RouteTakenError)).toEqual(
          Array(19).fill(true),
        );
        expect(await stores[0]?.endpoints.list()).toHaveLength(1);
      } finally {
        await close();
      }
    });

    it("holds the endpoint limit across them", async () => {
      const config = configFor(local.endpoint, await freshTable(), { echoMaxEndpoints: 5 });
      const { stores, close } = await instances(config);
      try {
        const results = await Promise.allSettled(
          stores.map((store, i) => store.endpoints.create(mock(`/limited-${i}`))),
        );
        const rejected = results.filter((r) => r.status === "rejected");
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
        expect(rejected.map((r) => r.reason instanceof EndpointLimitError)).toEqual(
          Array(15).fill(true),
        );
        expect(await stores[0]?.endpoints.count()).toBe(5);
      } finally {
        await close();
      }
    });
  });
});

describe("dynamodb store: faults", () => {
  // Worst cases with this config: 3 attempts, 500 ms per attempt, backoff ≤ 25 + 50 ms.
  const BOUND_MS = 3_000;
  let faulty: LocalDynamo;

  beforeAll(async () => {
    faulty = await startDynalite({ tableName: "echo-faults" });
  });
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

  it("answers StoreUnavailableError within the bound while the endpoint is down", async () => {
    const store = await openDynamoStore(configFor(faulty.endpoint, faulty.tableName));
    const kept = await store.endpoints.create(mock("/before-outage"));
    await faulty.stop();
    try {
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
    } finally {
      await faulty.restart();
      await store.close();
    }
  });

  it("names the cause in the error detail", async () => {
    const store = await openDynamoStore(configFor(faulty.endpoint, faulty.tableName));
    await faulty.stop();
    try {
      const { error } = await timed(() => store.endpoints.list());
      expect((error as StoreUnavailableError).detail).toMatch(
        /^The store is unavailable: DynamoDB could not be reached \(E[A-Z]+\) \(3 attempts\)$/,
      );
    } finally {
      await faulty.restart();
      await store.close();
    }
  });

  it("keeps everything acknowledged before the outage once the endpoint is back", async () => {
    const store = await openDynamoStore(configFor(faulty.endpoint, faulty.tableName));
    try {
      const before = await store.endpoints.list();
      const added = await store.endpoints.create(mock(`/kept-${Date.now()}`));
      const users = await store.users.listUsers();
      await faulty.stop();
      await timed(() => store.endpoints.create(mock("/lost-in-outage")));
      await faulty.restart();
      expect(await store.endpoints.list()).toEqual([...before, added]);
      expect(await store.endpoints.count()).toBe(before.length + 1);
      expect(await store.endpoints.findByRoute("GET", added.path)).toEqual(added);
      expect(await store.users.listUsers()).toEqual(users);
    } finally {
      await store.close();
    }
  });

  it("leaves no half-written endpoint when the endpoint drops during writes", async () => {
    const tableName = "echo-torn-writes";
    await faulty.createTable(tableName);
    const config = configFor(faulty.endpoint, tableName);
    const store = await openDynamoStore(config);
    const raw = DynamoDBDocumentClient.from(createDynamoClient(config));
    try {
      const existing = [];
      for (let i = 0; i < 10; i++) existing.push(await store.endpoints.create(mock(`/old-${i}`)));
      // The endpoint goes down once 8 writes are acknowledged, with the rest in flight.
      let acknowledgements = 0;
      let outage: Promise<void> | undefined;
      const acknowledge = <T>(write: Promise<T>) =>
        write.then((value) => {
          if (++acknowledgements === 8) outage = faulty.stop();
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
      await faulty.restart();

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
        `[dynamodb faults] outage during 20 creates + 10 moves: ${acknowledged.length} acknowledged and kept, ${failures.length} refused with 503, 0 half-written`,
      );
    } finally {
      raw.destroy();
      await store.close();
    }
  });

  it("refuses to open while the endpoint is down, within the bound", async () => {
    await faulty.stop();
    try {
      const { error, ms } = await timed(() =>
        openDynamoStore(configFor(faulty.endpoint, faulty.tableName)),
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(ms).toBeLessThan(BOUND_MS);
    } finally {
      await faulty.restart();
    }
  });
});

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
