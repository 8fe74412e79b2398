import { describe, expect, it } from "bun:test";
import { BASE } from "../../support/http";
import { echoApp, greeting, JSONAPI, jsonApiRequest } from "./support";

/** `POST /endpoints/import`: JSON:API lists and OpenAPI documents, all or nothing. */

interface ImportDocument {
  data: { type: string; id: string; attributes: Record<string, unknown> }[];
  meta: { skipped: { pointer: string; verb: string; path: string; reason: string }[] };
}

interface ErrorList {
  errors: { status: string; code: string; detail: string; source?: { pointer?: string } }[];
}

function importApp(config: Parameters<typeof echoApp>[0] = {}) {
  const app = echoApp(config);
  const importDocument = (body: string, type = "application/json", query = "") =>
    app.handle(
      new Request(`${BASE}/endpoints/import${query}`, {
        method: "POST",
        headers: { "content-type": type },
        body,
      }),
    );
  return { ...app, importDocument };
}

const PET_STORE = `
openapi: 3.0.3
info: { title: Pet store, version: "1.0" }
servers:
  - url: https://petstore.example.com/v1
paths:
  /pets:
    get:
      responses:
        "200":
          description: Every pet
          content:
            application/json:
              example: [{ id: 1, name: Rex }]
    post:
      requestBody:
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Pet" }
      responses:
        "400": { description: Bad pet }
        "201":
          description: The new pet
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Pet" }
  /pets/{petId}:
    get:
      responses:
        "200":
          description: One pet
          content:
            application/json:
              example: { id: 42, name: Ace }
  /store/inventory:
    get:
      responses:
        "200":
          description: Stock
          content:
            text/plain:
              examples:
                plain: { value: "3 cats, 2 dogs" }
  /store/order:
    delete:
      responses:
        "204": { description: Gone }
  /health:
    get:
      responses:
        default: { description: Whatever }
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: { type: integer, example: 7 }
        name: { type: string, example: Tom }
`;

describe("OpenAPI import", () => {
  it("skips every built-in route of the service's own /openapi.json, creates nothing, and says why", async () => {
    const app = importApp();
    const spec = await (await app.handle(new Request(`${BASE}/openapi.json`))).text();
    const operations = Object.values(JSON.parse(spec).paths as Record<string, object>).reduce(
      (n: number, item) => n + Object.keys(item).length,
      0,
    );
    const response = await app.importDocument(spec);
    expect(response.status).toBe(201);
    const document = (await response.json()) as ImportDocument;
    expect(document.data).toEqual([]);
    expect(document.meta.skipped).toHaveLength(operations);
    for (const skipped of document.meta.skipped) {
      expect(skipped.reason).toBe(
        `\`${skipped.path}\` is served by this service itself, so a mock there could never answer`,
      );
      expect(skipped.pointer).toStartWith("/paths/");
    }
    expect(await app.list()).toEqual([]);
  });

  it("creates working mocks from a pet store in YAML, answering with its examples", async () => {
    const app = importApp();
    const response = await app.importDocument(PET_STORE, "application/yaml");
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toBe(JSONAPI);
    const document = (await response.json()) as ImportDocument;
    expect(document.data.map((r) => `${r.attributes.verb} ${r.attributes.path}`)).toEqual([
      "GET /pets",
      "POST /pets",
      "GET /pets/{petId}",
      "GET /store/inventory",
      "DELETE /store/order",
    ]);
    expect(document.meta.skipped).toEqual([
      {
        pointer: "/paths/~1health/get",
        verb: "GET",
        path: "/health",
        reason: "the operation has no 2xx response",
      },
    ]);
    const call = (method: string, path: string) =>
      app.handle(new Request(`${BASE}${path}`, { method }));
    const pets = await call("GET", "/pets");
    expect(pets.headers.get("content-type")).toBe("application/json");
    expect(await pets.json()).toEqual([{ id: 1, name: "Rex" }]);
    const created = await call("POST", "/pets");
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: 7, name: "Tom" });
    expect(await (await call("GET", "/pets/42")).json()).toEqual({ id: 42, name: "Ace" });
    expect(await (await call("GET", "/store/inventory")).text()).toBe("3 cats, 2 dogs");
    expect((await call("DELETE", "/store/order")).status).toBe(204);
  });

  it("refuses an OpenAPI 2.0 document with 422", async () => {
    const app = importApp();
    const response = await app.importDocument(JSON.stringify({ swagger: "2.0", openapi: "2.0" }));
    expect(response.status).toBe(422);
    expect(((await response.json()) as ErrorList).errors[0]?.source).toEqual({
      pointer: "/openapi",
    });
  });
});

describe("JSON:API import", () => {
  it("restores a backup from GET /endpoints with new ids", async () => {
    const source = importApp();
    await source.createdId(greeting());
    await source.createdId(greeting({ path: "/second" }));
    const backup = await (await source.handle(jsonApiRequest("GET", "/endpoints"))).text();
    const target = importApp();
    const response = await target.importDocument(backup, JSONAPI);
    expect(response.status).toBe(201);
    const document = (await response.json()) as ImportDocument;
    const original = JSON.parse(backup).data as ImportDocument["data"];
    expect(document.data.map((r) => r.attributes)).toEqual(original.map((r) => r.attributes));
    expect(document.data.map((r) => r.id)).not.toEqual(original.map((r) => r.id));
    expect(await target.list()).toEqual(document.data as never);
    const hit = await target.handle(new Request(`${BASE}/second`));
    expect(hit.status).toBe(200);
  });

  it("creates nothing when any mock is invalid, and lists every failure with its pointer", async () => {
    const app = importApp();
    const document = {
      data: [
        { type: "endpoints", attributes: greeting({ path: "/fine" }) },
        { type: "endpoints", attributes: { ...greeting(), verb: "FETCH" } },
        { type: "endpoints", attributes: greeting({ path: "/docs/x" }) },
        { type: "widgets", attributes: greeting() },
      ],
    };
    const response = await app.importDocument(JSON.stringify(document));
    expect(response.status).toBe(422);
    const { errors } = (await response.json()) as ErrorList;
    expect(errors.map((e) => e.source?.pointer)).toEqual([
      "/data/3/type",
      "/data/1/attributes/verb",
      "/data/2/attributes/path",
    ]);
    expect(errors.every((e) => e.status === "422")).toBe(true);
    expect(await app.list()).toEqual([]);
  });

  it("refuses two mocks for one route in the same document", async () => {
    const app = importApp();
    const mock = { type: "endpoints", attributes: greeting() };
    const response = await app.importDocument(JSON.stringify({ data: [mock, mock] }));
    const { errors } = (await response.json()) as ErrorList;
    expect(response.status).toBe(422);
    expect(errors).toEqual([
      {
        status: "422",
        code: "conflict",
        detail: "GET /greeting is also defined at /data/0",
        source: { pointer: "/data/1" },
      },
    ]);
  });

  it("undoes what it wrote when the store refuses part-way", async () => {
    const app = importApp({ config: { echoMaxEndpoints: 3 } });
    await app.createdId(greeting({ path: "/kept" }));
    const data = ["/a", "/b", "/c"].map((path) => ({
      type: "endpoints",
      attributes: greeting({ path }),
    }));
    const response = await app.importDocument(JSON.stringify({ data }));
    expect(response.status).toBe(422);
    expect((await app.list()).map((e) => e.attributes.path)).toEqual(["/kept"]);
  });

  it("replaces the existing mocks with ?mode=replace", async () => {
    const app = importApp({ config: { echoMaxEndpoints: 3 } });
    await app.createdId(greeting({ path: "/old-1" }));
    await app.createdId(greeting({ path: "/old-2" }));
    const data = ["/a", "/b", "/c"].map((path) => ({
      type: "endpoints",
      attributes: greeting({ path }),
    }));
    const response = await app.importDocument(JSON.stringify({ data }), JSONAPI, "?mode=replace");
    expect(response.status).toBe(201);
    expect((await app.list()).map((e) => e.attributes.path)).toEqual(["/a", "/b", "/c"]);
  });

  it("keeps the existing mocks when a replace fails", async () => {
    const app = importApp();
    await app.createdId(greeting({ path: "/old" }));
    const data = [{ type: "endpoints", attributes: { ...greeting(), verb: 1 } }];
    const response = await app.importDocument(JSON.stringify({ data }), JSONAPI, "?mode=replace");
    expect(response.status).toBe(422);
    expect((await app.list()).map((e) => e.attributes.path)).toEqual(["/old"]);
  });
});

describe("import limits and formats", () => {
  it("refuses more than 1,000 mocks", async () => {
    const app = importApp();
    const data = Array.from({ length: 1001 }, (_, i) => ({
      type: "endpoints",
      attributes: greeting({ path: `/m${i}` }),
    }));
    const response = await app.importDocument(JSON.stringify({ data }));
    expect(response.status).toBe(422);
    const { errors } = (await response.json()) as ErrorList;
    expect(errors[0]?.detail).toBe(
      "An import creates at most 1000 mocks; this document holds 1001",
    );
  });

  it("refuses a document over 5 MiB with 413", async () => {
    const app = importApp();
    const response = await app.importDocument(`{"data":[],"pad":"${"x".repeat(5 * 1024 * 1024)}"}`);
    expect(response.status).toBe(413);
  });

  it("refuses other media types with 415, and unparsable YAML with 400", async () => {
    const app = importApp();
    expect((await app.importDocument("{}", "text/plain")).status).toBe(415);
    expect((await app.importDocument("a: [", "application/yaml")).status).toBe(400);
  });

  it("refuses a document that is neither format, and an unknown mode", async () => {
    const app = importApp();
    expect((await app.importDocument('{"hello":1}')).status).toBe(422);
    expect((await app.importDocument('{"data":[]}', JSONAPI, "?mode=merge")).status).toBe(400);
  });

  it("sits behind the bearer token", async () => {
    const app = importApp({ config: { apiToken: "t0ken" } });
    expect((await app.importDocument('{"data":[]}')).status).toBe(401);
  });
});
