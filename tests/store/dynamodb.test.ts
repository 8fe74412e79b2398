import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type Config, defaultConfig } from "../../src/config";
import { createDynamoClient, openDynamoStore } from "../../src/store/dynamodb";
import { DYNAMODB_ACTIONS } from "../../src/store/dynamodb-keys";
import {
  type EndpointAttributes,
  EndpointLimitError,
  RouteTakenError,
  SEED_USERS,
  type Store,
} from "../../src/store/store";
import { sharedDynamoDbLocal, freshTable as tableOnLocal } from "../support/dynamodb-local";
import { storeContract } from "./contract";

let local: { endpoint: string };

// DynamoDB Local may still be starting: allow for the JVM's 7–14 s.
beforeAll(async () => {
  local = await sharedDynamoDbLocal();
}, 60_000);

/** A fresh, empty table on the run's DynamoDB Local, so each store starts clean. */
async function freshTable(): Promise<string> {
  return (await tableOnLocal("store-dynamodb")).tableName;
}

const configFor = (endpoint: string, tableName: string, overrides: Partial<Config> = {}) =>
  defaultConfig({
    dynamodbTable: tableName,
    dynamodbEndpoint: endpoint,
    dynamodbMaxAttempts: 3,
    // Timing is not under test here (see tests/hardening/dynamodb-faults.hardening.ts): room
    // for DynamoDB Local on a loaded machine.
    dynamodbTimeoutMs: 10_000,
    ...overrides,
  });

storeContract("dynamodb (DynamoDB Local)", async ({ maxEndpoints, journalSize }) =>
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
    // Eight 300 KB bodies pass DynamoDB's 1 MB page size, so the list needs several pages.
    const created = [];
    for (let i = 0; i < 8; i++) {
      created.push(await store.endpoints.create(mock(`/page-${7 - i}`, "x".repeat(300_000))));
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
