import type { Endpoint, EndpointStore, MockResponse, ResponseOrder } from "../../store/store";
import { type Conditions, compileConditions } from "./conditions";
import { type Candidate, RouteIndex } from "./matcher";
import { normalisePath } from "./paths";
import { compileTemplate, type Template } from "./templates";

/**
 * Every mock, compiled into a RouteIndex, kept fresh against the store: each lookup first reads
 * the store's version token (a pragma on SQLite, one small item on DynamoDB) and rebuilds the
 * index only when another write happened, here or in another instance. Compiled mocks are reused
 * across rebuilds while their stored form is unchanged.
 */

export interface CompiledResponse {
  response: MockResponse;
  body?: Template;
  headers?: [string, Template][];
}

export interface CompiledMock {
  endpoint: Endpoint;
  conditions: Conditions;
  responses: CompiledResponse[];
  order: ResponseOrder | undefined;
}

function compileResponse(response: MockResponse): CompiledResponse {
  if (!response.template) return { response };
  return {
    response,
    ...(response.body !== undefined && { body: compileTemplate(response.body) }),
    headers: Object.entries(response.headers ?? {}).map(([name, value]) => [
      name,
      compileTemplate(value),
    ]),
  };
}

export function compileMock(endpoint: Endpoint): CompiledMock {
  const responses = endpoint.responses
    ? endpoint.responses.map(compileResponse)
    : [compileResponse(endpoint.response ?? { code: 200 })];
  return {
    endpoint,
    conditions: compileConditions(endpoint.request),
    responses,
    order: endpoint.responses ? (endpoint.order ?? "sequence") : undefined,
  };
}

interface Snapshot {
  version: string;
  index: RouteIndex<CompiledMock>;
  compiled: Map<string, { stamp: string; mock: CompiledMock }>;
}

export interface MockCatalogue {
  /** The best mock for the request, or undefined. `accepts` checks a mock's conditions. */
  find(
    verb: string,
    path: string,
    accepts: (mock: CompiledMock) => boolean | Promise<boolean>,
  ): Promise<Candidate<CompiledMock> | undefined>;
}

export function mockCatalogue(
  store: EndpointStore,
  onSkipped: (endpoint: Endpoint, error: unknown) => void = () => {},
): MockCatalogue {
  let snapshot: Snapshot | undefined;
  let loading: { version: string; promise: Promise<Snapshot> } | undefined;

  const build = async (version: string): Promise<Snapshot> => {
    const previous = snapshot?.compiled;
    const compiled: Snapshot["compiled"] = new Map();
    const index = new RouteIndex<CompiledMock>();
    for (const [age, endpoint] of (await store.list()).entries()) {
      const stamp = JSON.stringify(endpoint);
      let mock = previous?.get(endpoint.id);
      if (mock?.stamp !== stamp) {
        try {
          mock = { stamp, mock: compileMock(endpoint) };
        } catch (error) {
          onSkipped(endpoint, error);
          continue;
        }
      }
      compiled.set(endpoint.id, mock);
      index.add({
        verb: endpoint.verb,
        // Paths stored before normalisation existed are normalised here, on read.
        path: normalisePath(endpoint.path),
        priority: endpoint.priority ?? 0,
        conditionCount: mock.mock.conditions.count,
        age,
        value: mock.mock,
      });
    }
    return { version, index, compiled };
  };

  const current = async (): Promise<Snapshot> => {
    const version = await store.version();
    if (snapshot?.version === version) return snapshot;
    if (loading?.version !== version) {
      const promise = build(version);
      loading = { version, promise };
      promise.then(
        (built) => {
          // Version tokens are counters; a slow older build never replaces a newer one.
          if (!snapshot || Number(built.version) >= Number(snapshot.version)) snapshot = built;
          if (loading?.promise === promise) loading = undefined;
        },
        () => {
          if (loading?.promise === promise) loading = undefined;
        },
      );
    }
    return loading.promise;
  };

  return {
    find: async (verb, path, accepts) => {
      const { index } = await current();
      return index.find(verb, normalisePath(path).split("/").slice(1), accepts);
    },
  };
}
