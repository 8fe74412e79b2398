import fc from "fast-check";

/**
 * Requests generated from the service's own OpenAPI document: every documented operation with
 * every method, parameters and bodies that follow the published schemas and ones that break
 * them, plus paths nobody documented. Cases are plain data (so fast-check prints and shrinks
 * them); `materialize` turns one into concrete bytes against the state of a running service.
 */

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  patternProperties?: Record<string, JsonSchema>;
  maxProperties?: number;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  examples?: unknown[];
  minItems?: number;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** As in the document, e.g. `/tocos/{user}`. */
  template: string;
  parameters: Parameter[];
  body?: { mediaTypes: string[]; schema: JsonSchema };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

const HTTP_METHODS = ["get", "head", "post", "put", "delete", "patch", "options", "trace"];

/** Every operation the document lists. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!HTTP_METHODS.includes(method)) continue;
      const op = raw as {
        parameters?: Parameter[];
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
      };
      const content = op.requestBody?.content;
      const first = content ? Object.values(content)[0] : undefined;
      operations.push({
        method: method.toUpperCase(),
        template,
        parameters: op.parameters ?? [],
        body:
          content && first ? { mediaTypes: Object.keys(content), schema: first.schema } : undefined,
      });
    }
  }
  return operations;
}

// ---- the case: plain data ----

/** A piece of text, given literally or as one unit repeated (so huge values stay cheap). */
export type Text = string | { repeat: string; times: number };

/** A path parameter: literal text, percent-encoded or sent as is, or a live id/name by index. */
export type PathValue = { text: Text; encode: boolean } | { known: number };

export type Body =
  | { json: unknown }
  | { text: Text }
  | { bytes: number[] }
  /** A JSON document padded with spaces to this many bytes. */
  | { oversize: number };

export interface FuzzCase {
  /** `GET /tocos/{user}`, or `undocumented` for paths the document does not list. */
  operation: string;
  method: string;
  /** Literal path segments and parameters, in order. */
  segments: (string | { param: string; value: PathValue })[];
  /** `undefined` value: the name alone (`?a`); names repeat for duplicate parameters. */
  query: [string, Text | undefined][];
  headers: [string, string][];
  body?: Body;
  /** The body violates the published request schema, so the service must refuse it (4xx). */
  breaksSchema: boolean;
}

/** What a running service holds, for parameters that should name something real. */
export interface LiveState {
  ids: string[];
  /** `[verb, path]` of every stored mock. */
  mocks: [string, string][];
}

export const textOf = (text: Text): string =>
  typeof text === "string" ? text : text.repeat.repeat(text.times);

// ---- generators ----

const OTHER_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"];

const method = (documented: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(documented) },
    { weight: 3, arbitrary: fc.constantFrom(...OTHER_METHODS) },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Z][A-Z-]{0,11}$/) },
  );

const INVALID_ESCAPES = [
  "%",
  "%z",
  "%zz",
  "%E0%A4%A",
  "%ff",
  "%C3%28",
  "%00",
  "%2F",
  "%%",
  "%u00e9",
];
const HUGE_NUMBERS = [
  "9".repeat(40),
  "1e309",
  "-1",
  "-0",
  "+5",
  "1.5",
  "0x1F",
  "NaN",
  "Infinity",
  "١٢",
  " 7",
  "7 ",
  String(2 ** 53 + 1),
  String(Number.MAX_SAFE_INTEGER),
];

const unicode = fc.string({ unit: "binary", maxLength: 24 });
const longText: fc.Arbitrary<Text> = fc.record({
  repeat: fc.constantFrom("a", "é", "%41", "/", "😀"),
  times: fc.integer({ min: 1_000, max: 12_000 }),
});

/** Text that is anything but a well-behaved value: for any parameter of any type. */
const hostileText: fc.Arbitrary<Text> = fc.oneof(
  fc.constant(""),
  unicode,
  fc.constantFrom(...INVALID_ESCAPES, ...HUGE_NUMBERS),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  longText,
);

const pathValue = (param: Parameter): fc.Arbitrary<PathValue> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.nat({ max: 1_000 }).map((known): PathValue => ({ known })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...examplesOf(param.schema), "John", "Sam", "Cem", "sam")
        .map((text): PathValue => ({ text, encode: true })),
    },
    {
      weight: 4,
      arbitrary: fc.record({ text: hostileText, encode: fc.boolean() }),
    },
  );

function examplesOf(schema: JsonSchema): string[] {
  const found = [...(schema.examples ?? []), ...(schema.anyOf ?? []).flatMap(examplesOf)];
  return found.filter((e): e is string => typeof e === "string");
}

/** Integers near the interesting edges of a query parameter, as text. */
const integerText = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 3_000 }).map(String) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(0, 1, 2, 99_999, 100_000, 100_001, 59_999, 60_000, 60_001, 1_000_000)
      .map(String),
  },
  { weight: 1, arbitrary: fc.integer({ min: -100, max: 200_000 }).map(String) },
);

const queryValue = (param: Parameter): fc.Arbitrary<Text | undefined> =>
  fc.oneof(
    { weight: 5, arbitrary: integerText },
    { weight: 1, arbitrary: fc.constantFrom(...examplesOf(param.schema), "") },
    { weight: 3, arbitrary: hostileText },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

/** Documented parameters zero to three times each (duplicates included), and unknown ones. */
const queryOf = (params: Parameter[]): fc.Arbitrary<[string, Text | undefined][]> =>
  fc
    .tuple(
      ...params.map((param) =>
        fc.array(
          queryValue(param).map((v): [string, Text | undefined] => [param.name, v]),
          {
            minLength: param.required ? 1 : 0,
            maxLength: 3,
          },
        ),
      ),
      fc.array(
        fc.tuple(fc.oneof(fc.webSegment(), unicode), fc.option(hostileText, { nil: undefined })),
        {
          maxLength: 2,
        },
      ),
    )
    .map((groups) => groups.flat())
    .chain((entries) => fc.shuffledSubarray(entries, { minLength: entries.length }));

const TOKEN = "fuzz-token";
export const FUZZ_API_TOKEN = TOKEN;

const visibleAscii = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
const printable = fc
  .oneof(
    { weight: 9, arbitrary: fc.string({ unit: visibleAscii, maxLength: 40 }) },
    // Control characters too; the Headers API refuses only CR, LF and NUL (the raw run sends those).
    { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 40 }) },
  )
  .map((s) => s.replace(/[\r\n\0]/g, " ").trim());

/** JSON with every non-ASCII character escaped, so it fits a header yet decodes to anything. */
const asciiJson = (value: unknown) =>
  JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

const requestContext = fc
  .oneof(unicode, fc.constantFrom("a\r\nSet-Cookie: x=1", "id\u0000", "é", "x".repeat(200)))
  .map((id) => asciiJson({ requestId: id, request_id: id }));

const headerPair: fc.Arbitrary<[string, string]> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constant("content-type"),
      fc.constantFrom(
        "application/json",
        "application/vnd.api+json",
        "application/vnd.api+json; charset=utf-8",
        "application/vnd.api+json; ext=bulk",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "",
      ),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constant("accept"),
      fc.constantFrom(
        "text/plain",
        "application/json",
        "*/*",
        "text/plain;q=0.5, application/json",
      ),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constant("authorization"),
      fc.constantFrom(
        `Bearer ${TOKEN}`,
        `bearer ${TOKEN}`,
        "Bearer wrong",
        "Basic eDp5",
        "Bearer",
        "",
      ),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constantFrom("x-forwarded-host", "x-forwarded-proto", "host"),
      printable,
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constantFrom("x-amzn-request-context", "x-amzn-lambda-context"),
      requestContext,
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constant("if-none-match"),
      fc.constantFrom('"factorial-5-json"', "*", ""),
    ),
  },
  { weight: 3, arbitrary: fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), printable) },
);

// ---- bodies from the request schema ----

/** Values that satisfy `schema` as published (the service may still refuse them for rules the
 *  schema cannot state, such as a path it serves itself). */
export function schemaValid(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(schemaValid));
  switch (schema.type) {
    case "object":
      return validObject(schema);
    case "array":
      return fc.array(schemaValid(schema.items ?? {}), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(3, schema.minItems ?? 0),
      });
    case "integer":
      return fc.integer({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6 });
    case "number":
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "string":
      return validString(schema);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  const max = schema.maxLength ?? 64;
  const min = schema.minLength ?? 0;
  const fits = (s: string) => s.length >= min && s.length <= max;
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    // fast-check expands a negated class into every code point it admits, which never finishes for
    // "any non-ASCII character": draw those from a few instead. Braces are mock-path template
    // syntax, whose rules the examples cover; drawn at random they are nearly always misplaced.
    // The filter below still checks the published pattern.
    const drawable = new RegExp(
      schema.pattern.replaceAll("[^\\x00-\\x7f]", "[é€\\u4e16]").replace("%{}]", "%]"),
    );
    const fromPattern = fc.stringMatching(drawable, { size: "medium" });
    const fromExamples = examplesOf(schema).flatMap((example) =>
      pattern.test(`${example}/x`) && !example.includes("*}")
        ? [fc.webSegment().map((segment) => `${example}/${segment}`)]
        : [],
    );
    return fc
      .oneof(
        { weight: 1, arbitrary: fromPattern },
        ...fromExamples.map((arbitrary) => ({ weight: 3, arbitrary })),
      )
      .filter((s) => fits(s) && pattern.test(s));
  }
  return fc.oneof(unicode, fc.lorem({ maxCount: 5 })).filter(fits);
}

function validObject(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  if (names.length > 0) {
    const required = schema.required ?? [];
    return fc.record(
      Object.fromEntries(names.map((name) => [name, schemaValid(properties[name] ?? {})])),
      { requiredKeys: required },
    ) as fc.Arbitrary<Record<string, unknown>>;
  }
  const [pattern, valueSchema] = Object.entries(schema.patternProperties ?? {})[0] ?? [];
  if (pattern && valueSchema) {
    const keys = fc.stringMatching(new RegExp(pattern), { size: "xsmall" });
    return fc.dictionary(keys, schemaValid(valueSchema) as fc.Arbitrary<unknown>, {
      maxKeys: Math.min(schema.maxProperties ?? 5, 5),
    });
  }
  return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
}

const wrongTypeFor = (schema: JsonSchema): fc.Arbitrary<unknown> => {
  const candidates: fc.Arbitrary<unknown>[] = [
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 2 }),
  ];
  if (schema.type !== "object")
    candidates.push(fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }));
  if (schema.type !== "string") candidates.push(unicode);
  if (schema.type !== "integer" && schema.type !== "number") {
    candidates.push(fc.oneof(fc.integer(), fc.constant(1e308), fc.constant(-1e308)));
  }
  return fc.oneof(...candidates);
};

/** Values that violate `schema`: a wrong type, a bound crossed, a member missing or extra. */
export function schemaBreaking(schema: JsonSchema): fc.Arbitrary<unknown> {
  const options: fc.WeightedArbitrary<unknown>[] = [{ weight: 1, arbitrary: wrongTypeFor(schema) }];
  const add = (arbitrary: fc.Arbitrary<unknown>, weight = 1) => options.push({ weight, arbitrary });
  if (schema.const !== undefined || schema.enum) {
    const allowed = schema.enum ?? [schema.const];
    add(
      fc
        .oneof(unicode, fc.constantFrom("get", "Endpoints", "endpoint", " GET", "GET "))
        .filter((s) => !allowed.includes(s)),
    );
  }
  if (schema.type === "integer") {
    const { minimum = -Infinity, maximum = Infinity } = schema;
    const outside: fc.Arbitrary<unknown>[] = [
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    ];
    if (Number.isFinite(minimum)) outside.push(fc.integer({ min: -1e9, max: minimum - 1 }));
    if (Number.isFinite(maximum)) {
      outside.push(fc.integer({ min: maximum + 1, max: 1e9 }), fc.constant(1e300));
    }
    add(fc.oneof(...outside));
  }
  if (schema.type === "string") {
    if (schema.maxLength !== undefined) {
      add(fc.nat({ max: 50 }).map((extra) => `/${"a".repeat((schema.maxLength ?? 0) + extra)}`));
    }
    if (schema.pattern) {
      const pattern = new RegExp(schema.pattern);
      add(
        fc
          .oneof(unicode, fc.constantFrom("hello", "/a b", "/a\r\nb", "/é", "/a?b", "/a#b", "\\x"))
          .filter((s) => !pattern.test(s)),
      );
    }
  }
  if (schema.type === "object") options.push(...breakingObjects(schema));
  return fc.oneof(...options);
}

/** Deeper breaks weigh more, so members far down the document get their share. */
function breakingObjects(schema: JsonSchema): fc.WeightedArbitrary<unknown>[] {
  const found: fc.WeightedArbitrary<unknown>[] = [];
  const add = (arbitrary: fc.Arbitrary<unknown>, weight = 1) => found.push({ weight, arbitrary });
  const properties = schema.properties ?? {};
  const valid = validObject(schema);
  for (const name of schema.required ?? []) {
    add(
      valid.map((value) => {
        const { [name]: _dropped, ...rest } = value;
        return rest;
      }),
    );
  }
  if (schema.additionalProperties === false) {
    const extra = fc.string({ minLength: 1, maxLength: 10 }).filter((n) => !(n in properties));
    add(
      fc
        .tuple(valid, extra, fc.jsonValue({ maxDepth: 1 }))
        .map(([value, name, v]) => Object.assign({}, value, { [name]: v })),
    );
  }
  for (const [name, property] of Object.entries(properties)) {
    add(
      fc
        .tuple(valid, schemaBreaking(property))
        .map(([value, broken]) => ({ ...value, [name]: broken })),
      3,
    );
  }
  const [pattern, valueSchema] = Object.entries(schema.patternProperties ?? {})[0] ?? [];
  if (pattern && valueSchema) {
    const key = fc.stringMatching(new RegExp(pattern), { size: "xsmall" });
    add(
      fc.tuple(key, schemaBreaking(valueSchema)).map(([k, v]) => Object.fromEntries([[k, v]])),
      3,
    );
    if (schema.maxProperties !== undefined) {
      const over = schema.maxProperties + 1;
      add(
        fc.constant(Object.fromEntries(Array.from({ length: over }, (_, i) => [`X-H${i}`, "v"]))),
      );
    }
  }
  return found;
}

/** Bytes that are not a JSON document at all. */
const notJson: fc.Arbitrary<Body> = fc.oneof(
  fc
    .constantFrom("", "{", '{"data":', "[".repeat(5_000), "nul", "1e99999", "\uFEFF{}", "{'a':1}")
    .map((text): Body => ({ text })),
  unicode.map((text): Body => ({ text })),
  fc
    .constantFrom([0xff, 0xfe, 0x7b, 0x7d], [0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d], [0x00])
    .map((bytes): Body => ({ bytes: [...bytes] })),
);

const bodyFor = (schema: JsonSchema): fc.Arbitrary<{ body: Body; breaksSchema: boolean }> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: schemaValid(schema).map((json) => ({ body: { json }, breaksSchema: false })),
    },
    {
      weight: 4,
      arbitrary: schemaBreaking(schema).map((json) => ({ body: { json }, breaksSchema: true })),
    },
    { weight: 1, arbitrary: notJson.map((body) => ({ body, breaksSchema: true })) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1024 * 1024 + 1, max: 1024 * 1024 + 4096 })
        .map((oversize) => ({ body: { oversize } as Body, breaksSchema: true })),
    },
  );

const MAX_HEADERS = 4;

/** One case for one documented operation. */
function caseFor(operation: Operation): fc.Arbitrary<FuzzCase> {
  const pathParams = operation.parameters.filter((p) => p.in === "path");
  const queryParams = operation.parameters.filter((p) => p.in === "query");
  const parts = operation.template.split(/(\{[^}]+\})/).filter(Boolean);
  const segments = fc.tuple(
    ...parts.map((part) => {
      const name = /^\{(.+)\}$/.exec(part)?.[1];
      const param = pathParams.find((p) => p.name === name);
      return param
        ? pathValue(param).map((value) => ({ param: param.name, value }))
        : fc.constant(part);
    }),
  );
  const body = operation.body
    ? fc.option(bodyFor(operation.body.schema), { freq: 8, nil: undefined })
    : fc.option(
        notJson.map((b) => ({ body: b, breaksSchema: false })),
        { freq: 2, nil: undefined },
      );
  const contentType = operation.body
    ? fc
        .constantFrom(...operation.body.mediaTypes)
        .map((t): [string, string] => ["content-type", t])
    : headerPair;
  return fc
    .record({
      method: method(operation.method),
      segments,
      query: queryOf(queryParams),
      headers: fc.tuple(
        fc.option(contentType, { freq: 10, nil: undefined }),
        fc.array(headerPair, { maxLength: MAX_HEADERS }),
      ),
      body,
    })
    .map(({ method, segments, query, headers: [type, more], body }) => ({
      operation: `${operation.method} ${operation.template}`,
      method,
      segments,
      query,
      headers: [...(type ? [type] : []), ...more],
      body: body?.body,
      // Only a body the documented method receives is held to the schema.
      breaksSchema: Boolean(body?.breaksSchema) && method === operation.method,
    }));
}

/** Paths nobody documented: stored mocks, built-ins the document leaves out, and noise. */
const undocumented: fc.Arbitrary<FuzzCase> = fc
  .record({
    method: method("GET"),
    path: fc.oneof(
      fc
        .nat({ max: 1_000 })
        .map((known): FuzzCase["segments"] => [{ param: "mock", value: { known } }]),
      fc
        .constantFrom(
          "/",
          "/docs",
          "/openapi.json",
          "/docs/assets/swagger-ui.css",
          "/docs/assets/x",
          "/metrics",
        )
        .map((p): FuzzCase["segments"] => [p]),
      fc.webPath().map((p): FuzzCase["segments"] => [p.startsWith("/") ? p : `/${p}`]),
      fc
        .record({ text: hostileText, encode: fc.boolean() })
        .map((value): FuzzCase["segments"] => ["/", { param: "any", value }]),
    ),
    query: fc.array(fc.tuple(fc.webSegment(), fc.option(hostileText, { nil: undefined })), {
      maxLength: 2,
    }),
    headers: fc.array(headerPair, { maxLength: MAX_HEADERS }),
    body: fc.option(notJson, { freq: 4, nil: undefined }),
  })
  .map(({ method, path, query, headers, body }) => ({
    operation: "undocumented",
    method,
    segments: path,
    query,
    headers,
    body,
    breaksSchema: false,
  }));

/** Cases across every documented operation and beyond. */
export function fuzzCases(operations: Operation[]): fc.Arbitrary<FuzzCase> {
  // Operations with a body have the most to get wrong, so they get more of the cases.
  const weighted = operations.map((op) => ({ weight: op.body ? 6 : 1, arbitrary: caseFor(op) }));
  return fc.oneof(...weighted, { weight: 1, arbitrary: undocumented });
}

// ---- materializing ----

export interface Materialized {
  method: string;
  /** The request target as it goes on the wire: path and query, percent-encoded where asked. */
  target: string;
  headers: [string, string][];
  body: Uint8Array | undefined;
}

const encoder = new TextEncoder();

function resolve(param: string, value: PathValue, state: LiveState): string {
  if ("text" in value) {
    const text = textOf(value.text);
    return value.encode ? encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, "?")) : text;
  }
  if (param === "mock") {
    const mock = state.mocks[value.known % Math.max(1, state.mocks.length)];
    return mock ? mock[1] : "/no-mock-yet";
  }
  return state.ids[value.known % Math.max(1, state.ids.length)] ?? "no-id-yet";
}

export function materialize(c: FuzzCase, state: LiveState): Materialized {
  let method = c.method;
  let path = "";
  for (const segment of c.segments) {
    if (typeof segment === "string") path += segment;
    else {
      path += resolve(segment.param, segment.value, state);
      // A stored mock is called with its own verb half of the time.
      if (segment.param === "mock" && "known" in segment.value && segment.value.known % 2 === 0) {
        method = state.mocks[segment.value.known % Math.max(1, state.mocks.length)]?.[0] ?? method;
      }
    }
  }
  const query = c.query
    .map(([name, value]) => (value === undefined ? name : `${name}=${textOf(value)}`))
    .join("&");
  return {
    method,
    target: query === "" ? path : `${path}?${query}`,
    headers: c.headers,
    body: bodyBytes(c.body),
  };
}

function bodyBytes(body: Body | undefined): Uint8Array | undefined {
  if (body === undefined) return undefined;
  if ("json" in body) return encoder.encode(JSON.stringify(body.json));
  if ("text" in body) return encoder.encode(textOf(body.text));
  if ("bytes" in body) return new Uint8Array(body.bytes);
  const document = encoder.encode('{"data":{"type":"endpoints"}}');
  const padded = new Uint8Array(body.oversize).fill(0x20);
  padded.set(document);
  return padded;
}
