import { describe, expect, it } from "bun:test";
import {
  type Candidate,
  candidateIndex,
  MAX_EXAMINED,
  nearMisses,
} from "../../../src/features/echo/near-miss";
import type { JournalEntry } from "../../../src/store/journal";
import { BASE } from "../../support/http";
import { echoApp, greeting, jsonApiRequest } from "./support";

/** Near misses: which mocks an unmatched request came closest to, and why it missed them. */

let ids = 0;
const mock = (verb: string, path: string, request?: Candidate["request"]): Candidate => ({
  id: `m${++ids}`,
  verb,
  path,
  response: { code: 200 },
  ...(request && { request }),
});

const entry = (overrides: Partial<JournalEntry> = {}): JournalEntry => ({
  id: Bun.randomUUIDv7(),
  time: new Date().toISOString(),
  method: "GET",
  path: "/shop/orders/7",
  query: "",
  headers: {},
  body: "",
  bodyTruncated: false,
  status: 404,
  endpoint: null,
  ...overrides,
});

const reasonsFor = (request: JournalEntry, candidate: Candidate) =>
  nearMisses(request, [candidate])[0]?.reasons;

describe("near-miss reasons", () => {
  it("names another method", () => {
    expect(reasonsFor(entry({ method: "POST" }), mock("GET", "/shop/orders/7"))).toEqual([
      "method is POST, the mock expects GET",
    ]);
  });

  it("names the first differing path segment, counting from 1", () => {
    expect(reasonsFor(entry(), mock("GET", "/shop/order/7"))).toEqual([
      "path differs at segment 2: `orders` vs `order`",
    ]);
  });

  it("names a different number of segments", () => {
    expect(reasonsFor(entry({ path: "/shop/orders" }), mock("GET", "/shop/orders/{id}"))).toEqual([
      "path has 2 segments, the mock expects 3",
    ]);
    expect(reasonsFor(entry({ path: "/files" }), mock("GET", "/files/{rest*}"))).toEqual([
      "path has 1 segments, the mock expects at least 2",
    ]);
  });

  it("lets a template segment match any value", () => {
    const candidate = mock("GET", "/shop/{kind}/{id}", { query: { lang: "en" } });
    expect(reasonsFor(entry(), candidate)).toEqual([
      "query `lang` is missing, the mock expects `en`",
    ]);
  });

  it("names a query value", () => {
    const candidate = mock("GET", "/shop/orders/7", { query: { lang: "en" } });
    expect(reasonsFor(entry({ query: "lang=de&lang=en" }), candidate)).toEqual([
      "query `lang` is `de`, the mock expects `en`",
    ]);
  });

  it("names a header value, comparing names ignoring case", () => {
    const candidate = mock("GET", "/shop/orders/7", { headers: { "X-Tenant": "acme" } });
    expect(reasonsFor(entry({ headers: { "x-tenant": "other" } }), candidate)).toEqual([
      "header `X-Tenant` is `other`, the mock expects `acme`",
    ]);
    expect(reasonsFor(entry(), candidate)).toEqual([
      "header `X-Tenant` is missing, the mock expects `acme`",
    ]);
  });

  it("names each failed body condition", () => {
    const request = entry({ body: '{"a":{"b":1},"c":[1]}' });
    expect(
      reasonsFor(request, mock("GET", "/shop/orders/7", { body: { contains: "needle" } })),
    ).toEqual(["body does not contain `needle`"]);
    expect(reasonsFor(request, mock("GET", "/shop/orders/7", { body: { equals: "x" } }))).toEqual([
      "body does not equal `x`",
    ]);
    expect(
      reasonsFor(request, mock("GET", "/shop/orders/7", { body: { json: { a: { b: 2 } } } })),
    ).toEqual(['body JSON does not contain `{"a":{"b":2}}`']);
    expect(reasonsFor(request, mock("GET", "/shop/orders/7", { body: { json: { a: {} } } }))).toBe(
      undefined,
    );
    expect(
      reasonsFor(entry({ body: "plain" }), mock("GET", "/shop/orders/7", { body: { json: 1 } })),
    ).toEqual(["body is not JSON, the mock expects JSON"]);
  });
});

describe("near-miss ranking", () => {
  it("puts the same path under another verb first, then fewer differing segments, then fewer failed conditions, at most 3", () => {
    const twoSegments = mock("GET", "/shop/carts/8");
    const oneSegment = mock("GET", "/shop/orders/8");
    const conditions = mock("GET", "/shop/orders/7", { query: { a: "1", b: "2" } });
    const oneCondition = mock("GET", "/shop/orders/{id}", { query: { a: "1" } });
    const otherVerb = mock("DELETE", "/shop/orders/7");
    const result = nearMisses(entry(), [
      twoSegments,
      oneSegment,
      conditions,
      oneCondition,
      otherVerb,
    ]);
    expect(result.map((m) => m.endpoint)).toEqual([otherVerb.id, oneCondition.id, conditions.id]);
  });

  it("leaves out mocks under another verb at another path, and far paths", () => {
    expect(nearMisses(entry(), [mock("POST", "/shop/order/7"), mock("GET", "/x/y/z")])).toEqual([]);
  });

  it("compares an entry with a bounded number of mocks", () => {
    const many = Array.from({ length: 3 * MAX_EXAMINED }, (_, i) =>
      mock("GET", `/api/orders/${i}`),
    );
    const candidates = candidateIndex([...many, mock("GET", "/one")])(entry());
    expect(candidates).toHaveLength(MAX_EXAMINED);
    expect(candidateIndex([mock("GET", "/a/b/c/d/e")])(entry())).toEqual([]);
  });
});

describe("near misses over HTTP", () => {
  it("come back in meta.nearMisses of an unmatched entry, closest first", async () => {
    const app = echoApp();
    const order = await app.createdId(greeting({ verb: "GET", path: "/shop/order/7" }));
    const post = await app.createdId(greeting({ verb: "POST", path: "/shop/orders/7" }));
    expect((await app.handle(new Request(`${BASE}/shop/orders/7`))).status).toBe(404);
    const response = await app.handle(jsonApiRequest("GET", "/requests"));
    const { data } = (await response.json()) as {
      data: { id: string; meta: { nearMisses: unknown[] } }[];
    };
    const expected = [
      {
        endpoint: post,
        verb: "POST",
        path: "/shop/orders/7",
        reasons: ["method is GET, the mock expects POST"],
      },
      {
        endpoint: order,
        verb: "GET",
        path: "/shop/order/7",
        reasons: ["path differs at segment 2: `orders` vs `order`"],
      },
    ];
    expect(data[0]?.meta.nearMisses).toEqual(expected);
    const one = await app.handle(jsonApiRequest("GET", `/requests/${data[0]?.id}`));
    const single = (await one.json()) as { data: { meta: { nearMisses: unknown[] } } };
    expect(single.data.meta.nearMisses).toEqual(expected);
  });
});

describe("near misses over HTTP, with conditions and templates", () => {
  const reasonsOf = async (app: ReturnType<typeof echoApp>) => {
    const response = await app.handle(jsonApiRequest("GET", "/requests?page[size]=1"));
    const { data } = (await response.json()) as {
      data: { meta: { nearMisses: { reasons: string[] }[] } }[];
    };
    return data[0]?.meta.nearMisses.map((m) => m.reasons);
  };

  it("names the failed query and header conditions of a template mock", async () => {
    const app = echoApp();
    await app.createdId({
      ...greeting({ path: "/shop/{kind}/{id}" }),
      request: { query: { lang: "en" }, headers: { "x-tenant": "acme" } },
    });
    const call = new Request(`${BASE}/shop/orders/7?lang=de`, { headers: { "x-tenant": "other" } });
    expect((await app.handle(call)).status).toBe(404);
    expect(await reasonsOf(app)).toEqual([
      [
        "query `lang` is `de`, the mock expects `en`",
        "header `x-tenant` is `other`, the mock expects `acme`",
      ],
    ]);
  });

  it("names a failed body condition", async () => {
    const app = echoApp();
    await app.createdId({
      ...greeting({ verb: "POST", path: "/search" }),
      request: { body: { contains: "needle" } },
    });
    const call = new Request(`${BASE}/search`, { method: "POST", body: "only hay" });
    expect((await app.handle(call)).status).toBe(404);
    expect(await reasonsOf(app)).toEqual([["body does not contain `needle`"]]);
  });

  it("names a failed JSON body condition", async () => {
    const app = echoApp();
    await app.createdId({
      ...greeting({ verb: "POST", path: "/orders" }),
      request: { body: { json: { kind: "book" } } },
    });
    const call = new Request(`${BASE}/orders`, { method: "POST", body: '{"kind":"pen"}' });
    expect((await app.handle(call)).status).toBe(404);
    expect(await reasonsOf(app)).toEqual([['body JSON does not contain `{"kind":"book"}`']]);
  });
});
