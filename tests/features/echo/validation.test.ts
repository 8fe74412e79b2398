import { describe, expect, it } from "bun:test";
import { createDocument, echoApp, firstError, greeting, JSONAPI, jsonApiRequest } from "./support";

const attributes = "/data/attributes";
const response = `${attributes}/response`;

interface Case {
  name: string;
  document: unknown;
  pointer: string;
  /** A phrase the detail must contain. */
  says: string;
}

const withAttributes = (changes: Record<string, unknown>) =>
  createDocument({ ...greeting(), ...changes });
const withResponse = (changes: Record<string, unknown>) =>
  withAttributes({ response: { code: 200, ...changes } });
const withHeaders = (headers: unknown) => withResponse({ headers });

const cases: Case[] = [
  { name: "a document that is not an object", document: [], pointer: "", says: "JSON object" },
  { name: "a missing data member", document: {}, pointer: "/data", says: "required" },
  {
    name: "data that is not an object",
    document: { data: "x" },
    pointer: "/data",
    says: "resource object",
  },
  {
    name: "a missing type",
    document: { data: { attributes: greeting() } },
    pointer: "/data/type",
    says: "required",
  },
  {
    name: "a type other than endpoints",
    document: { data: { type: "endpoint", attributes: greeting() } },
    pointer: "/data/type",
    says: "`endpoints`",
  },
  {
    name: "missing attributes",
    document: { data: { type: "endpoints" } },
    pointer: attributes,
    says: "required",
  },
  {
    name: "attributes that are not an object",
    document: { data: { type: "endpoints", attributes: [] } },
    pointer: attributes,
    says: "object",
  },
  {
    name: "an unknown attribute",
    document: withAttributes({ colour: "red" }),
    pointer: `${attributes}/colour`,
    says: "not a known member",
  },
  {
    name: "a missing verb",
    document: createDocument({ path: "/x", response: { code: 200 } }),
    pointer: `${attributes}/verb`,
    says: "required",
  },
  {
    name: "a lower-case verb",
    document: withAttributes({ verb: "get" }),
    pointer: `${attributes}/verb`,
    says: "upper case",
  },
  {
    name: "an unknown verb",
    document: withAttributes({ verb: "FETCH" }),
    pointer: `${attributes}/verb`,
    says: "GET, HEAD",
  },
  {
    name: "a verb that is not a string",
    document: withAttributes({ verb: 1 }),
    pointer: `${attributes}/verb`,
    says: "one of",
  },
  {
    name: "a missing path",
    document: createDocument({ verb: "GET", response: { code: 200 } }),
    pointer: `${attributes}/path`,
    says: "required",
  },
  {
    name: "a path that is not a string",
    document: withAttributes({ path: 5 }),
    pointer: `${attributes}/path`,
    says: "string",
  },
  {
    name: "a path without a leading slash",
    document: withAttributes({ path: "hello" }),
    pointer: `${attributes}/path`,
    says: "start with",
  },
  {
    name: "an empty path",
    document: withAttributes({ path: "" }),
    pointer: `${attributes}/path`,
    says: "start with",
  },
  {
    name: "a path with a query",
    document: withAttributes({ path: "/a?b=1" }),
    pointer: `${attributes}/path`,
    says: "query",
  },
  {
    name: "a path with a fragment",
    document: withAttributes({ path: "/a#b" }),
    pointer: `${attributes}/path`,
    says: "fragment",
  },
  {
    name: "a path with a space",
    document: withAttributes({ path: "/a b" }),
    pointer: `${attributes}/path`,
    says: "whitespace",
  },
  {
    name: "a path with a tab",
    document: withAttributes({ path: "/a\tb" }),
    pointer: `${attributes}/path`,
    says: "whitespace",
  },
  {
    name: "a path with a control character",
    document: withAttributes({ path: "/a\u0001" }),
    pointer: `${attributes}/path`,
    says: "control",
  },
  {
    name: "a path with CR LF",
    document: withAttributes({ path: "/a\r\nSet-Cookie: x=1" }),
    pointer: `${attributes}/path`,
    says: "control",
  },
  {
    name: "a path over 2048 characters",
    document: withAttributes({ path: `/${"a".repeat(2048)}` }),
    pointer: `${attributes}/path`,
    says: "2048",
  },
  {
    name: "a path with characters a URL path cannot hold",
    document: withAttributes({ path: "/a<b>" }),
    pointer: `${attributes}/path`,
    says: "percent-encode",
  },
  {
    name: "a path with a broken escape",
    document: withAttributes({ path: "/a%zz" }),
    pointer: `${attributes}/path`,
    says: "two hex digits",
  },
  {
    name: "a path with a dot-dot segment",
    document: withAttributes({ path: "/a/../b" }),
    pointer: `${attributes}/path`,
    says: "segments",
  },
  {
    name: "a path with an encoded dot segment",
    document: withAttributes({ path: "/a/%2E/b" }),
    pointer: `${attributes}/path`,
    says: "segments",
  },
  {
    name: "a missing response",
    document: createDocument({ verb: "GET", path: "/x" }),
    pointer: `${attributes}/response`,
    says: "required",
  },
  {
    name: "a response that is not an object",
    document: withAttributes({ response: "ok" }),
    pointer: response,
    says: "object",
  },
  {
    name: "an unknown response member",
    document: withResponse({ status: 200 }),
    pointer: `${response}/status`,
    says: "not a known member",
  },
  {
    name: "a missing code",
    document: withAttributes({ response: {} }),
    pointer: `${response}/code`,
    says: "required",
  },
  {
    name: "a code that is a string",
    document: withResponse({ code: "200" }),
    pointer: `${response}/code`,
    says: "integer",
  },
  {
    name: "a fractional code",
    document: withResponse({ code: 200.5 }),
    pointer: `${response}/code`,
    says: "integer",
  },
  {
    name: "a code below 100",
    document: withResponse({ code: 99 }),
    pointer: `${response}/code`,
    says: "from 200 to 599",
  },
  {
    name: "an informational code",
    document: withResponse({ code: 100 }),
    pointer: `${response}/code`,
    says: "1xx",
  },
  {
    name: "a code above 599",
    document: withResponse({ code: 600 }),
    pointer: `${response}/code`,
    says: "from 200 to 599",
  },
  {
    name: "headers that are not an object",
    document: withHeaders(["a"]),
    pointer: `${response}/headers`,
    says: "object",
  },
  {
    name: "a header value that is not a string",
    document: withHeaders({ "X-A": 1 }),
    pointer: `${response}/headers/X-A`,
    says: "string value",
  },
  {
    name: "a header name that is not a token",
    document: withHeaders({ "X A": "1" }),
    pointer: `${response}/headers/X A`,
    says: "token",
  },
  {
    name: "an empty header name",
    document: withHeaders({ "": "1" }),
    pointer: `${response}/headers/`,
    says: "1 to 256",
  },
  {
    name: "a header name with CR LF",
    document: withHeaders({ "X-A\r\nX-B": "1" }),
    pointer: `${response}/headers/X-A\r\nX-B`,
    says: "CR or LF",
  },
  {
    name: "a header value with CR LF",
    document: withHeaders({ "X-A": "1\r\nSet-Cookie: x=1" }),
    pointer: `${response}/headers/X-A`,
    says: "CR or LF",
  },
  {
    name: "a header value with a lone LF",
    document: withHeaders({ "X-A": "1\nX-B: 2" }),
    pointer: `${response}/headers/X-A`,
    says: "CR or LF",
  },
  {
    name: "a header value with a NUL",
    document: withHeaders({ "X-A": "a\u0000b" }),
    pointer: `${response}/headers/X-A`,
    says: "printable ASCII",
  },
  {
    name: "a header value with non-ASCII",
    document: withHeaders({ "X-A": "café" }),
    pointer: `${response}/headers/X-A`,
    says: "printable ASCII",
  },
  {
    name: "a Content-Length header",
    document: withHeaders({ "Content-Length": "5" }),
    pointer: `${response}/headers/Content-Length`,
    says: "set by the server",
  },
  {
    name: "a content-length header in lower case",
    document: withHeaders({ "content-length": "5" }),
    pointer: `${response}/headers/content-length`,
    says: "set by the server",
  },
  {
    name: "a Transfer-Encoding header",
    document: withHeaders({ "TRANSFER-ENCODING": "chunked" }),
    pointer: `${response}/headers/TRANSFER-ENCODING`,
    says: "set by the server",
  },
  {
    name: "a Connection header",
    document: withHeaders({ Connection: "close" }),
    pointer: `${response}/headers/Connection`,
    says: "set by the server",
  },
  {
    name: "the same header twice in different case",
    document: withHeaders({ "X-A": "1", "x-a": "2" }),
    pointer: `${response}/headers/x-a`,
    says: "twice",
  },
  {
    name: "more than 50 headers",
    document: withHeaders(
      Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`X-H${i}`, "v"])),
    ),
    pointer: `${response}/headers`,
    says: "at most 50",
  },
  {
    name: "a header name over 256 characters",
    document: withHeaders({ [`X-${"a".repeat(255)}`]: "v" }),
    pointer: `${response}/headers/X-${"a".repeat(255)}`,
    says: "1 to 256",
  },
  {
    name: "a header value over 8192 characters",
    document: withHeaders({ "X-A": "v".repeat(8193) }),
    pointer: `${response}/headers/X-A`,
    says: "8192",
  },
  {
    name: "a header name with a slash, escaped in the pointer",
    document: withHeaders({ "a/b~c": "1" }),
    pointer: `${response}/headers/a~1b~0c`,
    says: "token",
  },
  {
    name: "a body that is not a string",
    document: withResponse({ body: { message: "hi" } }),
    pointer: `${response}/body`,
    says: "string",
  },
  {
    name: "a null body",
    document: withResponse({ body: null }),
    pointer: `${response}/body`,
    says: "string",
  },
  {
    name: "a body over 256 KiB",
    document: withResponse({ body: "b".repeat(256 * 1024 + 1) }),
    pointer: `${response}/body`,
    says: "262144 bytes",
  },
  {
    name: "a body over 256 KiB once UTF-8 encoded",
    document: withResponse({ body: "é".repeat(128 * 1024 + 1) }),
    pointer: `${response}/body`,
    says: "262144 bytes",
  },
  {
    name: "a body with a lone surrogate",
    document: JSON.stringify(withResponse({ body: "x" })).replace('"body":"x"', '"body":"\\ud800"'),
    pointer: `${response}/body`,
    says: "surrogate",
  },
  {
    name: "a body on a HEAD mock",
    document: withAttributes({ verb: "HEAD", response: { code: 200, body: "x" } }),
    pointer: `${response}/body`,
    says: "HEAD",
  },
  {
    name: "a body on a 204 mock",
    document: withResponse({ code: 204, body: "x" }),
    pointer: `${response}/body`,
    says: "204",
  },
  {
    name: "a body on a 304 mock",
    document: withResponse({ code: 304, body: "x" }),
    pointer: `${response}/body`,
    says: "304",
  },
];

const reserved = [
  "/",
  "/docs",
  "/docs/assets/x.js",
  "/openapi.json",
  "/healthz",
  "/metrics",
  "/time",
  "/time/",
  "/tocos",
  "/tocos/Sam",
  "/api",
  "/api/v1/factorial",
  "/api/smart",
  "/endpoints",
  "/endpoints/abc",
];

describe("POST /endpoints validation", () => {
  for (const c of cases) {
    it(`answers 422 at ${JSON.stringify(c.pointer)} for ${c.name}, creating nothing`, async () => {
      const { handle, list } = echoApp();
      const error = await firstError(
        await handle(jsonApiRequest("POST", "/endpoints", c.document)),
      );
      expect(error.status).toBe(422);
      expect(error.source).toEqual({ pointer: c.pointer });
      expect(error.detail).toContain(c.says);
      expect(await list()).toEqual([]);
    });
  }

  for (const path of reserved) {
    it(`answers 422 for the service's own path ${path}`, async () => {
      const { handle, list } = echoApp();
      const error = await firstError(
        await handle(jsonApiRequest("POST", "/endpoints", withAttributes({ path }))),
      );
      expect(error.status).toBe(422);
      expect(error.detail).toContain("served by this service itself");
      expect(await list()).toEqual([]);
    });
  }

  it("accepts paths that only start like a reserved one", async () => {
    const { create } = echoApp();
    expect((await create(greeting({ path: "/timetable" }))).status).toBe(201);
    expect((await create(greeting({ path: "/apis" }))).status).toBe(201);
  });

  it("accepts every listed verb", async () => {
    const { create } = echoApp();
    const verbs = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"];
    const statuses = [];
    for (const verb of verbs) {
      statuses.push((await create({ verb, path: "/v", response: { code: 200 } })).status);
    }
    expect(statuses).toEqual(verbs.map(() => 201));
  });

  it("accepts a body of exactly 256 KiB and codes 200 and 599", async () => {
    const { create } = echoApp();
    const big = await create(greeting({ response: { code: 200, body: "b".repeat(256 * 1024) } }));
    const edge = await create(greeting({ path: "/edge", response: { code: 599 } }));
    expect([big.status, edge.status]).toEqual([201, 201]);
  });

  it("accepts an empty body on a 204 mock", async () => {
    const { create } = echoApp();
    expect((await create(greeting({ response: { code: 204, body: "" } }))).status).toBe(201);
  });
});

describe("request bodies", () => {
  it("answers 400 in the error format for malformed JSON", async () => {
    const { handle, list } = echoApp();
    const error = await firstError(await handle(jsonApiRequest("POST", "/endpoints", '{"data":')));
    expect(error.status).toBe(400);
    expect(error.code).toBe("malformed_body");
    expect(await list()).toEqual([]);
  });

  it("answers 400 for an empty body", async () => {
    const { handle } = echoApp();
    const response = await handle(
      new Request("http://localhost/endpoints", {
        method: "POST",
        headers: { "content-type": JSONAPI },
      }),
    );
    expect(response.status).toBe(400);
  });

  it("answers 400 for a body that is not UTF-8", async () => {
    const { handle } = echoApp();
    const response = await handle(
      new Request("http://localhost/endpoints", {
        method: "POST",
        headers: { "content-type": JSONAPI },
        body: new Uint8Array([0x7b, 0xff, 0x7d]),
      }),
    );
    expect(response.status).toBe(400);
  });

  it("answers 413 for a body over 1 MiB", async () => {
    const { handle, list } = echoApp();
    const huge = JSON.stringify(withResponse({ body: "b".repeat(1024 * 1024) }));
    const error = await firstError(await handle(jsonApiRequest("POST", "/endpoints", huge)));
    expect(error.status).toBe(413);
    expect(error.code).toBe("payload_too_large");
    expect(await list()).toEqual([]);
  });

  it("answers 413 from the bytes read when Content-Length is absent", async () => {
    const { handle } = echoApp();
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 20) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const response = await handle(
      new Request("http://localhost/endpoints", {
        method: "POST",
        headers: { "content-type": JSONAPI },
        body: stream,
      }),
    );
    expect(response.status).toBe(413);
  });

  it("answers 413 from Content-Length before reading the body", async () => {
    const { handle } = echoApp();
    const response = await handle(
      new Request("http://localhost/endpoints", {
        method: "POST",
        headers: { "content-type": JSONAPI, "content-length": String(2 * 1024 * 1024) },
        body: "{}",
      }),
    );
    expect(response.status).toBe(413);
  });

  it("answers 415 in the error format for an unsupported Content-Type", async () => {
    const { handle, list } = echoApp();
    const error = await firstError(
      await handle(
        jsonApiRequest("POST", "/endpoints", createDocument(greeting()), {
          "content-type": "text/plain",
        }),
      ),
    );
    expect(error.status).toBe(415);
    expect(error.source).toEqual({ header: "content-type" });
    expect(await list()).toEqual([]);
  });

  it("answers 415 without a Content-Type", async () => {
    const { handle } = echoApp();
    const response = await handle(
      new Request("http://localhost/endpoints", {
        method: "POST",
        body: new Blob([JSON.stringify(createDocument(greeting()))]),
      }),
    );
    expect(response.status).toBe(415);
  });

  it("answers 415 for the JSON:API media type with a parameter other than charset", async () => {
    const { handle } = echoApp();
    const response = await handle(
      jsonApiRequest("POST", "/endpoints", createDocument(greeting()), {
        "content-type": `${JSONAPI}; ext=bulk`,
      }),
    );
    expect(response.status).toBe(415);
  });

  it("accepts the JSON:API media type with charset=utf-8", async () => {
    const { handle } = echoApp();
    const response = await handle(
      jsonApiRequest("POST", "/endpoints", createDocument(greeting()), {
        "content-type": `${JSONAPI}; charset=utf-8`,
      }),
    );
    expect(response.status).toBe(201);
  });

  it("answers errors of the management API with the JSON:API media type", async () => {
    const { handle } = echoApp();
    const response = await handle(jsonApiRequest("POST", "/endpoints", "{"));
    expect(response.headers.get("content-type")).toBe(JSONAPI);
  });
});
