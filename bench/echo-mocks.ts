/**
 * The mocks the Echo rows define: half exact paths, half path templates with request
 * conditions, created alternately so both kinds span every age. Each server (Echo, WireMock,
 * mountebank) is given the same set in the same order, in its own format.
 */

export type MockKind = "exact" | "template";

export interface BenchMock {
  kind: MockKind;
  /** Position among the mocks of its kind, oldest first. */
  index: number;
  /** Echo's path: literal, or with a `{id}` template. */
  path: string;
  /** The request conditions a template mock adds: one query parameter and one header. */
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Unique per mock, so a hit proves which mock answered. */
  body: string;
  /** A request that this mock, and no other, answers. */
  hit: { path: string; headers: Record<string, string> };
}

const TENANT = { "x-tenant": "acme" };
const LANG = { lang: "en" };

export function exactMock(index: number): BenchMock {
  const path = `/bench/e${index}/items`;
  return {
    kind: "exact",
    index,
    path,
    query: {},
    headers: {},
    body: `{"mock":"e${index}"}`,
    hit: { path, headers: {} },
  };
}

function templateMock(index: number): BenchMock {
  return {
    kind: "template",
    index,
    path: `/bench/t${index}/users/{id}`,
    query: LANG,
    headers: TENANT,
    body: `{"mock":"t${index}"}`,
    hit: { path: `/bench/t${index}/users/42?lang=en`, headers: TENANT },
  };
}

/** `count` mocks, oldest first: exact, template, exact, template, … */
export function mockSet(count: number): BenchMock[] {
  if (!Number.isInteger(count) || count < 2 || count % 2 !== 0) {
    throw new RangeError(`a mock set needs an even count ≥ 2, got ${count}`);
  }
  const mocks: BenchMock[] = [];
  for (let index = 0; index < count / 2; index++) {
    mocks.push(exactMock(index), templateMock(index));
  }
  return mocks;
}

export type Age = "oldest" | "newest";

/** The oldest or newest mock of a kind in a set made by `mockSet`. */
export function mockOf(mocks: readonly BenchMock[], kind: MockKind, age: Age): BenchMock {
  const ofKind = mocks.filter((mock) => mock.kind === kind);
  const mock = age === "oldest" ? ofKind[0] : ofKind.at(-1);
  if (!mock) throw new Error(`the set has no ${kind} mock`);
  return mock;
}

const JSON_TYPE = { "Content-Type": "application/json" };

/** Echo's create document (`POST /endpoints`), with the `request` conditions of issue #15. */
export function echoDocument(mock: BenchMock) {
  const conditions =
    mock.kind === "template" ? { request: { query: mock.query, headers: mock.headers } } : {};
  return {
    data: {
      type: "endpoints",
      attributes: {
        verb: "GET",
        path: mock.path,
        ...conditions,
        response: { code: 200, headers: JSON_TYPE, body: mock.body },
      },
    },
  };
}

const equalTo = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { equalTo: value }]));

/** A WireMock stub mapping (`POST /__admin/mappings`). */
export function wiremockMapping(mock: BenchMock) {
  const request =
    mock.kind === "exact"
      ? { method: "GET", urlPath: mock.path }
      : {
          method: "GET",
          urlPathTemplate: mock.path,
          queryParameters: equalTo(mock.query),
          headers: equalTo(mock.headers),
        };
  return { request, response: { status: 200, headers: JSON_TYPE, body: mock.body } };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A mountebank stub: `equals` predicates, and a path regular expression for a template. */
export function mountebankStub(mock: BenchMock) {
  const predicates =
    mock.kind === "exact"
      ? [{ equals: { method: "GET", path: mock.path } }]
      : [
          { equals: { method: "GET", query: mock.query, headers: mock.headers } },
          {
            matches: {
              path: `^${mock.path.split("{id}").map(escapeRegExp).join("[^/]+")}$`,
            },
          },
        ];
  return {
    predicates,
    responses: [{ is: { statusCode: 200, headers: JSON_TYPE, body: mock.body } }],
  };
}
