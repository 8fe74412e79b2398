import { describe, expect, it } from "bun:test";
import {
  createDocument,
  echoApp,
  firstError,
  greeting,
  JSONAPI,
  jsonApiRequest,
  type ResourceDocument,
} from "./support";

describe("GET /endpoints", () => {
  it("answers an empty data array when there are no mocks", async () => {
    const { handle } = echoApp();
    const response = await handle(jsonApiRequest("GET", "/endpoints"));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"data":[]}');
  });

  it("lists endpoints as JSON:API resources in creation order", async () => {
    const { handle, createdId } = echoApp();
    const first = await createdId(greeting({ path: "/b" }));
    const second = await createdId(greeting({ path: "/a" }));
    const response = await handle(jsonApiRequest("GET", "/endpoints"));
    expect(await response.json()).toEqual({
      data: [
        { type: "endpoints", id: first, attributes: greeting({ path: "/b" }) },
        { type: "endpoints", id: second, attributes: greeting({ path: "/a" }) },
      ],
    });
  });

  it("answers with the JSON:API media type", async () => {
    const { handle } = echoApp();
    const response = await handle(jsonApiRequest("GET", "/endpoints"));
    expect(response.headers.get("content-type")).toBe(JSONAPI);
  });
});

describe("POST /endpoints", () => {
  it("answers 201 with the created resource and a string id", async () => {
    const { create } = echoApp();
    const response = await create();
    expect(response.status).toBe(201);
    const document = (await response.json()) as ResourceDocument;
    expect(typeof document.data.id).toBe("string");
    expect(document).toEqual({
      data: { type: "endpoints", id: document.data.id, attributes: greeting() },
    });
  });

  it("answers with the JSON:API media type", async () => {
    const { create } = echoApp();
    expect((await create()).headers.get("content-type")).toBe(JSONAPI);
  });

  it("accepts application/json as well", async () => {
    const { handle } = echoApp();
    const response = await handle(
      jsonApiRequest("POST", "/endpoints", createDocument(greeting()), {
        "content-type": "application/json",
      }),
    );
    expect(response.status).toBe(201);
  });

  it("puts the mock's absolute URL in Location, from the request's scheme and host", async () => {
    const { handle } = echoApp();
    const response = await handle(
      new Request("http://echo.test:8080/endpoints", {
        method: "POST",
        headers: { "content-type": JSONAPI },
        body: JSON.stringify(createDocument(greeting())),
      }),
    );
    expect(response.headers.get("location")).toBe("http://echo.test:8080/greeting");
  });

  it("builds Location from x-forwarded-proto and x-forwarded-host behind a gateway", async () => {
    const { create } = echoApp();
    const response = await create(greeting(), {
      "x-forwarded-proto": "https",
      "x-forwarded-host": "api.example.com",
    });
    expect(response.headers.get("location")).toBe("https://api.example.com/greeting");
  });

  it("takes the first value of a forwarded header list", async () => {
    const { create } = echoApp();
    const response = await create(greeting(), {
      "x-forwarded-proto": "https, http",
      "x-forwarded-host": "edge.example.com, inner.local",
    });
    expect(response.headers.get("location")).toBe("https://edge.example.com/greeting");
  });

  it("ignores a forwarded scheme or host that is not one", async () => {
    const { create } = echoApp();
    const response = await create(greeting(), {
      "x-forwarded-proto": "javascript",
      "x-forwarded-host": "evil.example/path",
    });
    expect(response.headers.get("location")).toBe("http://localhost/greeting");
  });

  it("answers 409 for a verb and path that already exist", async () => {
    const { create } = echoApp();
    await create();
    const error = await firstError(await create());
    expect(error.status).toBe(409);
    expect(error.source).toEqual({ pointer: "/data/attributes/path" });
  });

  it("keeps the first mock after a refused duplicate", async () => {
    const { create, list } = echoApp();
    await create();
    await create(greeting({ response: { code: 500 } }));
    const endpoints = await list();
    expect(endpoints.map((e) => e.attributes.response?.code)).toEqual([200]);
  });

  it("answers 422 with a clear detail once ECHO_MAX_ENDPOINTS endpoints exist", async () => {
    const { create } = echoApp({ config: { echoMaxEndpoints: 2 } });
    await create(greeting({ path: "/one" }));
    await create(greeting({ path: "/two" }));
    const error = await firstError(await create(greeting({ path: "/three" })));
    expect(error.status).toBe(422);
    expect(error.code).toBe("endpoint_limit_reached");
    expect(error.detail).toContain("at most 2 endpoints");
  });

  it("answers 403 when the document names its own id", async () => {
    const { handle } = echoApp();
    const response = await handle(
      jsonApiRequest("POST", "/endpoints", {
        data: { type: "endpoints", id: "mine", attributes: greeting() },
      }),
    );
    const error = await firstError(response);
    expect(error.status).toBe(403);
    expect(error.source).toEqual({ pointer: "/data/id" });
  });
});

describe("GET /endpoints/:id", () => {
  it("answers one endpoint", async () => {
    const { handle, createdId } = echoApp();
    const id = await createdId();
    const response = await handle(jsonApiRequest("GET", `/endpoints/${id}`));
    expect(await response.json()).toEqual({
      data: { type: "endpoints", id, attributes: greeting() },
    });
  });

  it("answers the not-found sentence for an unknown id", async () => {
    const { handle } = echoApp();
    const error = await firstError(await handle(jsonApiRequest("GET", "/endpoints/12345")));
    expect(error.status).toBe(404);
    expect(error.detail).toBe("Requested Endpoint with ID `12345` does not exist");
  });
});

describe("PATCH /endpoints/:id", () => {
  const patch = (id: string, attributes: unknown, extra: Record<string, unknown> = {}) =>
    jsonApiRequest("PATCH", `/endpoints/${id}`, {
      data: { type: "endpoints", ...extra, attributes },
    });

  it("answers 200 with the updated resource", async () => {
    const { handle, createdId } = echoApp();
    const id = await createdId();
    const response = await handle(patch(id, { response: { code: 201, body: "made" } }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(JSONAPI);
    expect(await response.json()).toEqual({
      data: {
        type: "endpoints",
        id,
        attributes: { verb: "GET", path: "/greeting", response: { code: 201, body: "made" } },
      },
    });
  });

  it("replaces only the attributes present", async () => {
    const { handle, createdId } = echoApp();
    const id = await createdId();
    const response = await handle(patch(id, { verb: "POST" }));
    expect(((await response.json()) as ResourceDocument).data.attributes).toEqual(
      greeting({ verb: "POST" }),
    );
  });

  it("makes the mock answer at its new route", async () => {
    const { handle, createdId } = echoApp();
    const id = await createdId();
    await handle(patch(id, { path: "/moved" }));
    expect((await handle(jsonApiRequest("GET", "/moved"))).status).toBe(200);
    expect((await handle(jsonApiRequest("GET", "/greeting"))).status).toBe(404);
  });

  it("accepts a data.id equal to the URL's id", async () => {
    const { handle, createdId } = echoApp();
    const id = await createdId();
    expect((await handle(patch(id, { verb: "PUT" }, { id }))).status).toBe(200);
  });

  it("answers 409 when data.id differs from the URL's id", async () => {
    const { handle, createdId, list } = echoApp();
    const id = await createdId();
    const error = await firstError(await handle(patch(id, { verb: "PUT" }, { id: "other" })));
    expect(error.status).toBe(409);
    expect(error.source).toEqual({ pointer: "/data/id" });
    expect((await list())[0]?.attributes.verb).toBe("GET");
  });

  it("answers 409 when moving onto another endpoint's route", async () => {
    const { handle, createdId } = echoApp();
    await createdId();
    const other = await createdId(greeting({ path: "/other" }));
    const error = await firstError(await handle(patch(other, { path: "/greeting" })));
    expect(error.status).toBe(409);
  });

  it("answers the not-found sentence for an unknown id", async () => {
    const { handle } = echoApp();
    const error = await firstError(await handle(patch("nope", { verb: "PUT" })));
    expect(error.status).toBe(404);
    expect(error).toMatchObject({
      code: "not_found",
      detail: "Requested Endpoint with ID `nope` does not exist",
    });
  });

  it("refuses a change that leaves a HEAD mock with a body", async () => {
    const { handle, createdId } = echoApp();
    const id = await createdId();
    const error = await firstError(await handle(patch(id, { verb: "HEAD" })));
    expect(error.status).toBe(422);
    expect(error.source).toEqual({ pointer: "/data/attributes/response/body" });
  });

  it("answers 422 for an invalid attribute and changes nothing", async () => {
    const { handle, createdId, list } = echoApp();
    const id = await createdId();
    const error = await firstError(await handle(patch(id, { verb: "FETCH", path: "/new" })));
    expect(error.status).toBe(422);
    expect((await list())[0]?.attributes).toEqual(greeting());
  });
});

describe("DELETE /endpoints/:id", () => {
  it("answers 204 with an empty body", async () => {
    const { handle, createdId } = echoApp();
    const id = await createdId();
    const response = await handle(jsonApiRequest("DELETE", `/endpoints/${id}`));
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  it("removes the mock", async () => {
    const { handle, createdId } = echoApp();
    const id = await createdId();
    await handle(jsonApiRequest("DELETE", `/endpoints/${id}`));
    expect((await handle(jsonApiRequest("GET", "/greeting"))).status).toBe(404);
    expect((await handle(jsonApiRequest("GET", `/endpoints/${id}`))).status).toBe(404);
  });

  it("answers the not-found sentence for an unknown id", async () => {
    const { handle } = echoApp();
    const error = await firstError(await handle(jsonApiRequest("DELETE", "/endpoints/gone")));
    expect(error.status).toBe(404);
    expect(error.detail).toBe("Requested Endpoint with ID `gone` does not exist");
  });

  it("answers the not-found sentence for an id far longer than any real one", async () => {
    const { handle } = echoApp();
    const id = "x".repeat(300);
    const error = await firstError(await handle(jsonApiRequest("DELETE", `/endpoints/${id}`)));
    // Like every error detail, it quotes at most 200 characters of the path.
    expect(error.detail).toBe(`Requested Endpoint with ID \`${id.slice(0, 200)}…\` does not exist`);
  });
});
