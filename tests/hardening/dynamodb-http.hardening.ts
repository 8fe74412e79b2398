import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createApp } from "../../src/app";
import { defaultConfig } from "../../src/config";
import { openDynamoStore } from "../../src/store/dynamodb";
import type { Store } from "../../src/store/store";
import { testDeps } from "../support/app";
import { type RestartableDynamo, restartableDynamoDbLocal } from "../support/dynamodb-local";
import { errorFormatProblem } from "./contract-checks";

/**
 * The service on the DynamoDB store while the endpoint goes away: every store-backed route
 * answers 503 in the error format within a bound set by config (3 attempts of at most 2 s, the
 * default, which leaves DynamoDB Local room on a loaded machine while it is up),
 * and everything acknowledged before the outage is there once the endpoint is back. The store
 * itself is tested against the same faults in tests/hardening/dynamodb-faults.hardening.ts.
 */

const BOUND_MS = 7_000;
/** DynamoDB Local (its data on disk) takes 7–14 s to start, more on a loaded machine. */
const STARTS_MS = 90_000;
const JSONAPI = "application/vnd.api+json";

let local: RestartableDynamo;
let store: Store;
let app: ReturnType<typeof createApp>;
const acknowledged: { id: string; path: string }[] = [];

const send = (path: string, init?: RequestInit) =>
  app.handle(new Request(`http://localhost${path}`, init));

const createRequest = (path: string): RequestInit => ({
  method: "POST",
  headers: { "content-type": JSONAPI },
  body: JSON.stringify({
    data: {
      type: "endpoints",
      attributes: { verb: "GET", path, response: { code: 200, body: path } },
    },
  }),
});

const listedIds = async () => {
  const { data } = (await (await send("/endpoints")).json()) as { data: { id: string }[] };
  return data.map((r) => r.id);
};

beforeAll(async () => {
  local = await restartableDynamoDbLocal("echo-http-faults");
  const config = defaultConfig({
    dynamodbTable: local.tableName,
    dynamodbEndpoint: local.endpoint,
    dynamodbMaxAttempts: 3,
    dynamodbTimeoutMs: 2_000,
  });
  store = await openDynamoStore(config);
  app = createApp(testDeps({ config, store }));
  for (let i = 0; i < 5; i++) {
    const response = await send("/endpoints", createRequest(`/kept/${i}`));
    const { data } = (await response.json()) as { data: { id: string } };
    acknowledged.push({ id: data.id, path: `/kept/${i}` });
  }
}, STARTS_MS);

afterAll(async () => {
  await store?.close();
  await local?.close();
});

describe("the service on DynamoDB while the endpoint is down", () => {
  const timings: string[] = [];
  const outage: [string, string, RequestInit?][] = [
    ["the list", "/endpoints"],
    ["a create", "/endpoints", createRequest("/during-outage")],
    ["a read", "/endpoints/ID"],
    [
      "an update",
      "/endpoints/ID",
      {
        method: "PATCH",
        headers: { "content-type": JSONAPI },
        body: JSON.stringify({
          data: { type: "endpoints", attributes: { response: { code: 500 } } },
        }),
      },
    ],
    ["a delete", "/endpoints/ID", { method: "DELETE" }],
    ["a mock hit", "/kept/0"],
    ["the tocos list", "/tocos"],
  ];

  beforeAll(async () => {
    await local.stop();
  });

  for (const [name, path, init] of outage) {
    it(`answers 503 in the error format to ${name} within ${BOUND_MS} ms`, async () => {
      const target = path.replace("ID", acknowledged[1]?.id ?? "");
      const started = performance.now();
      const response = await send(target, init);
      const ms = performance.now() - started;
      const body = new Uint8Array(await response.arrayBuffer());
      timings.push(`${name} ${Math.round(ms)} ms`);
      expect(response.status).toBe(503);
      expect(
        errorFormatProblem({
          method: init?.method ?? "GET",
          path: target,
          status: response.status,
          header: (h) => response.headers.get(h),
          body,
        }),
      ).toBeUndefined();
      expect(ms).toBeLessThan(BOUND_MS);
    });
  }

  it("keeps answering the routes that need no store", async () => {
    const statuses = [];
    for (const path of ["/healthz", "/time", "/api/v1/factorial?number=10"]) {
      statuses.push((await send(path)).status);
    }
    expect(statuses).toEqual([200, 200, 200]);
    console.info(`[dynamodb http] endpoint down → 503: ${timings.join(", ")}`);
  });
});

describe("the service on DynamoDB once the endpoint is back", () => {
  beforeAll(async () => {
    await local.restart();
  }, STARTS_MS);

  it("lists exactly what was acknowledged before the outage", async () => {
    expect(await listedIds()).toEqual(acknowledged.map((a) => a.id));
  });

  it("serves every mock acknowledged before the outage, unchanged", async () => {
    const bodies = [];
    for (const { path } of acknowledged) bodies.push(await (await send(path)).text());
    expect(bodies).toEqual(acknowledged.map((a) => a.path));
  });

  it("accepts writes again", async () => {
    const response = await send("/endpoints", createRequest("/after-outage"));
    expect(response.status).toBe(201);
  });
});
