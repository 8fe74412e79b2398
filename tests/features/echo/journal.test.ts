import { describe, expect, it } from "bun:test";
import type { JournalEntry } from "../../../src/store/journal";
import { BASE } from "../../support/http";
import { echoApp, firstError, greeting, JSONAPI, jsonApiRequest } from "./support";

/** The request journal over HTTP: `/requests`, `/requests/{id}`, `/endpoints/{id}/requests`. */

interface RequestResource {
  type: string;
  id: string;
  attributes: Omit<JournalEntry, "id">;

  meta?: { nearMisses: { endpoint: string; verb: string; path: string; reasons: string[] }[] };
}

interface ListDocument {
  data: RequestResource[];
  links: { next: string | null };
}

function journalApp(config: Parameters<typeof echoApp>[0] = {}) {
  const echo = echoApp(config);
  const call = (path: string, init?: RequestInit) =>
    echo.handle(new Request(`${BASE}${path}`, init));
  const list = async (query = "", headers: Record<string, string> = {}) => {
    const response = await echo.handle(
      jsonApiRequest("GET", `/requests${query}`, undefined, headers),
    );
    expect(response.status).toBe(200);
    return (await response.json()) as ListDocument;
  };
  return { ...echo, call, list };
}

describe("recording", () => {
  it("lists a mock hit right after the call, with what the client sent", async () => {
    const app = journalApp();
    const id = await app.createdId();
    const answer = await app.call("/greeting?lang=en&x=1", {
      headers: { "x-trace": "abc", accept: "application/json" },
    });
    expect(answer.status).toBe(200);
    const { data } = await app.list();
    expect(data).toHaveLength(1);
    const [entry] = data;
    expect(entry?.type).toBe("requests");
    expect(entry?.attributes).toMatchObject({
      method: "GET",
      path: "/greeting",
      query: "lang=en&x=1",
      body: "",
      bodyTruncated: false,
      status: 200,
      endpoint: id,
    });
    expect(entry?.attributes.headers["x-trace"]).toBe("abc");
    expect(Date.parse(entry?.attributes.time ?? "")).not.toBeNaN();
    expect(entry?.meta).toBeUndefined();
  });

  it("records the mock 404 with a null endpoint, and leaves its body as it was", async () => {
    const app = journalApp();
    const answer = await app.call("/nothing-here");
    expect(answer.status).toBe(404);
    expect(await answer.json()).toEqual({
      errors: [
        {
          status: "404",
          code: "not_found",
          detail: "Requested page `/nothing-here` does not exist",
        },
      ],
    });
    const [entry] = (await app.list()).data;
    expect(entry?.attributes).toMatchObject({ path: "/nothing-here", status: 404, endpoint: null });
    expect(entry?.meta).toEqual({ nearMisses: [] });
  });

  it("keeps the first 64 KiB of a body and says it was cut", async () => {
    const app = journalApp();
    await app.call("/upload", { method: "POST", body: "a".repeat(70_000) });
    await app.call("/small", { method: "POST", body: "hello" });
    const [small, big] = (await app.list()).data;
    expect(small?.attributes).toMatchObject({ body: "hello", bodyTruncated: false });
    expect(big?.attributes.body).toHaveLength(65_536);
    expect(big?.attributes.bodyTruncated).toBe(true);
  });

  it("redacts Authorization, Cookie, Proxy-Authorization and X-Api-Key by default", async () => {
    const app = journalApp();
    await app.call("/secret", {
      headers: {
        authorization: "Bearer s3cret",
        cookie: "session=1",
        "proxy-authorization": "Basic eA==",
        "x-api-key": "k",
        "x-other": "kept",
      },
    });
    const { headers } = (await app.list()).data[0]?.attributes ?? {
      headers: {} as Record<string, string>,
    };
    expect(headers).toMatchObject({
      authorization: "<redacted>",
      cookie: "<redacted>",
      "proxy-authorization": "<redacted>",
      "x-api-key": "<redacted>",
      "x-other": "kept",
    });
  });

  it("redacts exactly the names ECHO_JOURNAL_REDACT lists", async () => {
    const app = journalApp({ config: { echoJournalRedact: ["x-other"] } });
    await app.call("/secret", {
      headers: { authorization: "Bearer visible", "x-other": "hidden" },
    });
    const { headers } = (await app.list()).data[0]?.attributes ?? {
      headers: {} as Record<string, string>,
    };
    expect(headers.authorization).toBe("Bearer visible");
    expect(headers["x-other"]).toBe("<redacted>");
  });

  it("records nothing with ECHO_JOURNAL_SIZE=0", async () => {
    const app = journalApp({ config: { echoJournalSize: 0 } });
    await app.call("/nothing-here");
    expect((await app.list()).data).toEqual([]);
  });
});

describe("listing", () => {
  it("pages newest first through links.next", async () => {
    const app = journalApp();
    for (let i = 0; i < 5; i++) await app.call(`/p${i}`);
    const first = await app.list("?page[size]=2");
    expect(first.data.map((e) => e.attributes.path)).toEqual(["/p4", "/p3"]);
    expect(first.links.next).toBe(`/requests?page[size]=2&page[after]=${first.data[1]?.id}`);
    const second = await app.list(first.links.next?.slice("/requests".length));
    expect(second.data.map((e) => e.attributes.path)).toEqual(["/p2", "/p1"]);
    const third = await app.list(second.links.next?.slice("/requests".length));
    expect(third.data.map((e) => e.attributes.path)).toEqual(["/p0"]);
    expect(third.links.next).toBeNull();
  });

  it("pages 50 by default", async () => {
    const app = journalApp();
    for (let i = 0; i < 51; i++) await app.call("/many");
    const page = await app.list();
    expect(page.data).toHaveLength(50);
    expect(page.links.next).not.toBeNull();
  });

  it("filters by endpoint, matched, method and path, and keeps filters in links.next", async () => {
    const app = journalApp();
    const id = await app.createdId();
    await app.call("/greeting");
    await app.call("/greeting", { method: "POST" });
    await app.call("/other");
    await app.call("/greeting");
    const paths = async (query: string) =>
      (await app.list(query)).data.map((e) => `${e.attributes.method} ${e.attributes.path}`);
    expect(await paths(`?filter[endpoint]=${id}`)).toEqual(["GET /greeting", "GET /greeting"]);
    expect(await paths("?filter[matched]=true")).toEqual(["GET /greeting", "GET /greeting"]);
    expect(await paths("?filter[matched]=false")).toEqual(["GET /other", "POST /greeting"]);
    expect(await paths("?filter[method]=POST")).toEqual(["POST /greeting"]);
    expect(await paths("?filter[path]=/other")).toEqual(["GET /other"]);
    const paged = await app.list("?page[size]=1&filter[matched]=false");
    expect(paged.links.next).toContain("filter[matched]=false");
  });

  it("lists one mock's entries at /endpoints/{id}/requests", async () => {
    const app = journalApp();
    const id = await app.createdId();
    await app.call("/greeting");
    await app.call("/missing");
    const response = await app.handle(jsonApiRequest("GET", `/endpoints/${id}/requests`));
    expect(response.headers.get("content-type")).toBe(JSONAPI);
    const { data } = (await response.json()) as ListDocument;
    expect(data.map((e) => e.attributes.endpoint)).toEqual([id]);
  });

  it("answers 404 for the entries of an unknown mock", async () => {
    const app = journalApp();
    const response = await app.handle(jsonApiRequest("GET", "/endpoints/nope/requests"));
    expect((await firstError(response)).status).toBe(404);
  });

  it("gets one entry by id, and 404 for an unknown one", async () => {
    const app = journalApp();
    await app.call("/one");
    const [entry] = (await app.list()).data;
    const found = await app.handle(jsonApiRequest("GET", `/requests/${entry?.id}`));
    expect(((await found.json()) as { data: RequestResource }).data).toEqual(
      entry as RequestResource,
    );
    const missing = await app.handle(jsonApiRequest("GET", `/requests/${Bun.randomUUIDv7()}`));
    expect(missing.status).toBe(404);
  });

  it("clears the journal with DELETE /requests", async () => {
    const app = journalApp();
    await app.call("/gone");
    const cleared = await app.handle(jsonApiRequest("DELETE", "/requests"));
    expect(cleared.status).toBe(204);
    expect((await app.list()).data).toEqual([]);
  });

  it.each([
    ["page[size]=0", "page[size]"],
    ["page[size]=501", "page[size]"],
    ["page[size]=ten", "page[size]"],
    ["filter[matched]=yes", "filter[matched]"],
  ])("refuses ?%s with 400 naming the parameter", async (query, parameter) => {
    const app = journalApp();
    const response = await app.handle(jsonApiRequest("GET", `/requests?${query}`));
    const error = await firstError(response);
    expect(error.status).toBe(400);
    expect(error.source).toEqual({ parameter });
  });

  it("sits behind the bearer token", async () => {
    const app = journalApp({ config: { apiToken: "t0ken" } });
    for (const [method, path] of [
      ["GET", "/requests"],
      ["DELETE", "/requests"],
      ["GET", "/requests/x"],
      ["GET", "/endpoints/x/requests"],
    ] as const) {
      const response = await app.handle(jsonApiRequest(method, path));
      expect(response.status).toBe(401);
    }
    const allowed = await app.list("", { authorization: "Bearer t0ken" });
    expect(allowed.data).toEqual([]);
  });
});

describe("HTML mocks", () => {
  const page = (headers: Record<string, string>) =>
    greeting({ path: "/page", response: { code: 200, headers, body: "<script>1</script>" } });

  it("are sent with Content-Security-Policy: sandbox", async () => {
    const app = journalApp();
    await app.createdId(page({ "Content-Type": "text/html; charset=utf-8" }));
    const response = await app.call("/page");
    expect(response.headers.get("content-security-policy")).toBe("sandbox");
  });

  it("keep a policy the mock sets itself", async () => {
    const app = journalApp();
    await app.createdId(
      page({ "Content-Type": "text/html", "Content-Security-Policy": "default-src 'none'" }),
    );
    const response = await app.call("/page");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'");
  });

  it("leave other media types alone", async () => {
    const app = journalApp();
    await app.createdId(page({ "Content-Type": "application/json" }));
    const response = await app.call("/page");
    expect(response.headers.get("content-security-policy")).toBeNull();
  });
});
