import { describe, expect, it } from "bun:test";
import { BASE, req } from "../../support/http";
import { echoApp, firstError } from "./support";

/** Mock matching over HTTP: templates, conditions, precedence, normalisation and conflicts. */

const mock = (path: string, body: string, extra: Record<string, unknown> = {}) => ({
  verb: "GET",
  path,
  response: { code: 200, body },
  ...extra,
});

async function answer(
  handle: (r: Request) => Promise<Response>,
  path: string,
  init?: RequestInit,
): Promise<string> {
  const response = await handle(req(path, init));
  return response.status === 200 ? response.text() : `${response.status}`;
}

async function appWith(...mocks: unknown[]) {
  const app = echoApp();
  for (const m of mocks) await app.createdId(m);
  return app;
}

describe("path templates", () => {
  it("matches {name} to exactly one non-empty segment", async () => {
    const { handle } = await appWith(mock("/users/{id}", "user"));
    expect(await answer(handle, "/users/42")).toBe("user");
    expect(await answer(handle, "/users/")).toBe("404");
    expect(await answer(handle, "/users/42/posts")).toBe("404");
  });

  it("matches a final {name*} to one or more segments", async () => {
    const { handle } = await appWith(mock("/files/{rest*}", "file"));
    expect(await answer(handle, "/files/a")).toBe("file");
    expect(await answer(handle, "/files/a/b/c")).toBe("file");
    expect(await answer(handle, "/files")).toBe("404");
  });

  it("refuses a {name*} before the last segment, and a name used twice", async () => {
    const { create } = echoApp();
    for (const path of ["/a/{x*}/b", "/a/{x}/{x}", "/a/b{x}"]) {
      const error = await firstError(await create(mock(path, "")));
      expect([error.status, error.source?.pointer]).toEqual([422, "/data/attributes/path"]);
    }
  });
});

describe("precedence", () => {
  it("lets an exact path beat every template", async () => {
    const { handle } = await appWith(mock("/users/{id}", "template"), mock("/users/me", "exact"));
    expect(await answer(handle, "/users/me")).toBe("exact");
    expect(await answer(handle, "/users/you")).toBe("template");
  });

  it("prefers a literal to {x} and {x} to {x*}, segment by segment from the left", async () => {
    const { handle } = await appWith(
      mock("/a/{rest*}", "rest"),
      mock("/a/{x}/c", "param-literal"),
      mock("/a/b/{y}", "literal-param"),
    );
    expect(await answer(handle, "/a/b/c")).toBe("literal-param");
    expect(await answer(handle, "/a/z/c")).toBe("param-literal");
    expect(await answer(handle, "/a/z/z")).toBe("rest");
  });

  it("puts priority first: a higher priority template beats an exact path", async () => {
    const { handle } = await appWith(
      mock("/users/me", "exact"),
      mock("/users/{id}", "priority", { priority: 5 }),
    );
    expect(await answer(handle, "/users/me")).toBe("priority");
  });

  it("prefers more conditions when priority and path tie", async () => {
    const { handle } = await appWith(
      mock("/search", "one", { request: { query: { q: "x" } } }),
      mock("/search", "two", { request: { query: { q: "x", lang: "en" } } }),
    );
    expect(await answer(handle, "/search?q=x&lang=en")).toBe("two");
    expect(await answer(handle, "/search?q=x")).toBe("one");
  });

  it("prefers the older mock when everything else ties", async () => {
    const a = mock("/x", "a", { request: { query: { a: "1" } } });
    const b = mock("/x", "b", { request: { query: { b: "1" } } });
    expect(await answer((await appWith(a, b)).handle, "/x?a=1&b=1")).toBe("a");
    expect(await answer((await appWith(b, a)).handle, "/x?a=1&b=1")).toBe("b");
  });
});

describe("request conditions", () => {
  it("matches a query parameter's first value exactly", async () => {
    const { handle } = await appWith(mock("/q", "en", { request: { query: { lang: "en" } } }));
    expect(await answer(handle, "/q?lang=en")).toBe("en");
    expect(await answer(handle, "/q?lang=en&lang=de")).toBe("en");
    expect(await answer(handle, "/q?lang=de&lang=en")).toBe("404");
    expect(await answer(handle, "/q")).toBe("404");
  });

  it("matches header values exactly, with names ignoring case", async () => {
    const { handle } = await appWith(
      mock("/h", "acme", { request: { headers: { "X-Tenant": "acme" } } }),
    );
    expect(await answer(handle, "/h", { headers: { "x-tenant": "acme" } })).toBe("acme");
    expect(await answer(handle, "/h", { headers: { "x-tenant": "Acme" } })).toBe("404");
  });

  const post = (body: string) => ({ method: "POST", body });
  const postMock = (body: unknown) => ({ ...mock("/b", "hit"), verb: "POST", request: { body } });

  it("matches a body that contains a text", async () => {
    const { handle } = await appWith(postMock({ contains: "needle" }));
    expect(await answer(handle, "/b", post("hay needle hay"))).toBe("hit");
    expect(await answer(handle, "/b", post("hay"))).toBe("404");
  });

  it("refuses a body over the size limit with 413 instead of reading it whole", async () => {
    const { handle } = await appWith(postMock({ contains: "needle" }));
    const response = await handle(req("/b", post(`needle${"x".repeat(1024 * 1024)}`)));
    expect(response.status).toBe(413);
    expect((await firstError(response)).code).toBe("payload_too_large");
  });

  it("matches a body that equals a text", async () => {
    const { handle } = await appWith(postMock({ equals: "exact" }));
    expect(await answer(handle, "/b", post("exact"))).toBe("hit");
    expect(await answer(handle, "/b", post("exact "))).toBe("404");
  });

  it("matches a JSON body containing the value as a subset", async () => {
    const { handle } = await appWith(
      postMock({ json: { order: { kind: "book" }, tags: ["a", "b"] } }),
    );
    const body = { order: { kind: "book", id: 7 }, tags: ["a", "b"], extra: true };
    expect(await answer(handle, "/b", post(JSON.stringify(body)))).toBe("hit");
    const otherArray = { ...body, tags: ["a", "b", "c"] };
    expect(await answer(handle, "/b", post(JSON.stringify(otherArray)))).toBe("404");
    expect(await answer(handle, "/b", post('{"order":{"kind":"cd"}}'))).toBe("404");
    expect(await answer(handle, "/b", post("not json"))).toBe("404");
  });

  it("requires every condition given", async () => {
    const { handle } = await appWith({
      ...postMock({ contains: "x" }),
      request: { query: { a: "1" }, headers: { "x-b": "2" }, body: { contains: "x" } },
    });
    const headers = { "x-b": "2" };
    expect(await answer(handle, "/b?a=1", { ...post("x"), headers })).toBe("hit");
    expect(await answer(handle, "/b?a=1", post("x"))).toBe("404");
    expect(await answer(handle, "/b", { ...post("x"), headers })).toBe("404");
  });
});

describe("conflicts (409)", () => {
  it("refuses a mock equal in verb, path ignoring template names, request and priority", async () => {
    const { create } = await appWith(
      mock("/users/{id}", "a", { request: { headers: { "X-A": "1" } }, priority: 2 }),
    );
    const same = mock("/users/{uid}", "b", { request: { headers: { "x-a": "1" } }, priority: 2 });
    expect((await create(same)).status).toBe(409);
  });

  it("accepts mocks that differ in request or priority", async () => {
    const { create } = await appWith(mock("/users/{id}", "a"));
    expect((await create(mock("/users/{id}", "b", { priority: 1 }))).status).toBe(201);
    const conditioned = mock("/users/{id}", "c", { request: { query: { a: "1" } } });
    expect((await create(conditioned)).status).toBe(201);
  });
});

describe("percent-encoding normalisation", () => {
  it("stores /café, /caf%c3%a9 and /caf%C3%A9 as one mock, so a second is a 409", async () => {
    const { create, handle } = echoApp();
    const created = await create(mock("/caf%c3%a9", "café"));
    expect(created.status).toBe(201);
    const stored = (await created.json()) as { data: { attributes: { path: string } } };
    expect(stored.data.attributes.path).toBe("/caf%C3%A9");
    expect((await create(mock("/café", "again"))).status).toBe(409);
    expect((await create(mock("/caf%C3%A9", "again"))).status).toBe(409);
    for (const path of ["/caf%c3%a9", "/caf%C3%A9", "/café"]) {
      expect(await answer(handle, path)).toBe("café");
    }
  });

  it("decodes unreserved characters when storing and matching", async () => {
    const { create, handle } = echoApp();
    expect((await create(mock("/%7Euser/%41", "tilde"))).status).toBe(201);
    expect(await answer(handle, "/~user/A")).toBe("tilde");
    expect((await create(mock("/~user/A", "again"))).status).toBe(409);
  });

  it("sees a reserved root behind an escape", async () => {
    const error = await firstError(await echoApp().create(mock("/%64ocs", "")));
    expect([error.status, error.source?.pointer]).toEqual([422, "/data/attributes/path"]);
  });
});

it("serves a mock right after it is created, changed and deleted", async () => {
  const { createdId, handle } = echoApp();
  const id = await createdId(mock("/live", "one"));
  expect(await answer(handle, "/live")).toBe("one");
  const patch = {
    data: { type: "endpoints", attributes: { response: { code: 200, body: "two" } } },
  };
  await handle(
    new Request(`${BASE}/endpoints/${id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(patch),
    }),
  );
  expect(await answer(handle, "/live")).toBe("two");
  await handle(new Request(`${BASE}/endpoints/${id}`, { method: "DELETE" }));
  expect(await answer(handle, "/live")).toBe("404");
});
