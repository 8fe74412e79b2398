import { afterAll, describe, expect, it } from "bun:test";
import { defaultConfig } from "../../../src/config";
import { openDynamoStore } from "../../../src/store/dynamodb";
import type { Store } from "../../../src/store/store";
import { freshTable } from "../../support/dynamodb-local";
import { BASE } from "../../support/http";
import { echoApp, greeting, JSONAPI, jsonApiRequest } from "./support";

/** The journal and import over HTTP with the DynamoDB store, on DynamoDB Local. */

const opened: Store[] = [];
afterAll(async () => {
  for (const store of opened) await store.close();
});

async function dynamoApp(echoMaxEndpoints = 100) {
  const { endpoint, tableName } = await freshTable("echo-http");
  const store = await openDynamoStore(
    defaultConfig({
      dynamodbTable: tableName,
      dynamodbEndpoint: endpoint,
      dynamodbTimeoutMs: 10_000,
      echoMaxEndpoints,
    }),
  );
  opened.push(store);
  return echoApp({ store, config: { echoMaxEndpoints } });
}

const importList = (app: Awaited<ReturnType<typeof dynamoApp>>, paths: string[], query = "") =>
  app.handle(
    new Request(`${BASE}/endpoints/import${query}`, {
      method: "POST",
      headers: { "content-type": JSONAPI },
      body: JSON.stringify({
        data: paths.map((path) => ({ type: "endpoints", attributes: greeting({ path }) })),
      }),
    }),
  );

describe("on DynamoDB", () => {
  it("lists a call in the journal as soon as its answer arrives", async () => {
    const app = await dynamoApp();
    const id = await app.createdId();
    expect((await app.handle(new Request(`${BASE}/greeting?x=1`))).status).toBe(200);
    const response = await app.handle(jsonApiRequest("GET", `/endpoints/${id}/requests`));
    const { data } = (await response.json()) as {
      data: { attributes: { query: string; endpoint: string } }[];
    };
    expect(data.map((e) => e.attributes)).toMatchObject([{ query: "x=1", endpoint: id }]);
  }, 30_000);

  it("imports a list, and undoes it when the store refuses part-way", async () => {
    const app = await dynamoApp(3);
    expect((await importList(app, ["/a", "/b"])).status).toBe(201);
    expect((await importList(app, ["/c", "/d"])).status).toBe(422);
    expect((await app.list()).map((e) => e.attributes.path)).toEqual(["/a", "/b"]);
  }, 30_000);

  it("replaces every mock with ?mode=replace", async () => {
    const app = await dynamoApp(3);
    await importList(app, ["/a", "/b"]);
    expect((await importList(app, ["/x", "/y", "/z"], "?mode=replace")).status).toBe(201);
    expect((await app.list()).map((e) => e.attributes.path)).toEqual(["/x", "/y", "/z"]);
  }, 30_000);
});
