import { Elysia } from "elysia";
import { ApiError, notFound } from "../../errors";
import type { Logger } from "../../observability/logger";
import { abortableSleep } from "../../sleep";
import type { EndpointStore } from "../../store/store";
import { readLimited } from "./body";
import { type CompiledMock, mockCatalogue } from "./catalogue";
import type { RequestView } from "./conditions";
import { sandboxHtml } from "./mock";
import type { RecordRequest } from "./recorder";
import { type ResponderDeps, respond } from "./responder";
import type { TemplateContext } from "./templates";
import { isReservedPath, LIMITS, VERBS } from "./validation";

/** The route template of the catch-all that serves mocks; requests it answers carry it as `route`. */
export const MOCK_ROUTE = "/*";

const SERVABLE = new Set<string>(VERBS);

export interface MockDeps {
  endpoints: EndpointStore;
  logger: Logger;
  now?: () => number;
  random?: () => number;
  sleep?: ResponderDeps["sleep"];
  /** Journals each request the mocks answer, 404s included; absent when recording is off. */
  record?: RecordRequest;
}

/** The request as conditions and templates see it; the body is read once, and only if asked. */
const utf8 = new TextDecoder("utf-8");

type MockRequestView = RequestView & { textRead(): Promise<string> | undefined };

function requestView(request: Request): MockRequestView {
  let query: Record<string, string> | undefined;
  let text: Promise<string> | undefined;
  let json: Promise<unknown> | undefined;
  const view: MockRequestView = {
    textRead: () => text,
    query: () => {
      if (query) return query;
      query = Object.create(null) as Record<string, string>;
      const at = request.url.indexOf("?");
      if (at >= 0) {
        for (const [name, value] of new URLSearchParams(request.url.slice(at + 1))) {
          if (!Object.hasOwn(query, name)) query[name] = value;
        }
      }
      return query;
    },
    header: (name) => request.headers.get(name),
    text: () => {
      text ??= readLimited(request, LIMITS.requestBytes).then(
        (bytes) => utf8.decode(bytes),
        (error: unknown) => {
          // An oversize body is the client's to fix; a client that went away is owed nothing.
          if (error instanceof ApiError && error.status === 413) throw error;
          return "";
        },
      );
      return text;
    },
    json: () => {
      json ??= view.text().then((body) => {
        try {
          return JSON.parse(body) as unknown;
        } catch {
          return null;
        }
      });
      return json;
    },
  };
  return view;
}

async function templateContext(
  request: Request,
  path: string,
  params: Record<string, string>,
  view: RequestView,
): Promise<TemplateContext> {
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of request.headers) headers[name] = value;
  return {
    request: {
      method: request.method,
      path,
      params,
      query: view.query(),
      headers,
      body: await view.text(),
      json: await view.json(),
    },
  };
}

const accepts = (view: RequestView) => (mock: CompiledMock) =>
  mock.conditions.needsBody ? mock.conditions.holds(view) : mock.conditions.holdsWithoutBody(view);

/**
 * Serves the mocks: any request no built-in route matched, looked up in the in-process index by
 * method, path (templates included) and conditions. Use it last; it is left out of the OpenAPI
 * document.
 */
export function mockRoutes(deps: MockDeps) {
  const catalogue = mockCatalogue(deps.endpoints, (endpoint, error) =>
    deps.logger.error("mock skipped: it does not compile", {
      id: endpoint.id,
      error: error instanceof Error ? error.message : String(error),
    }),
  );
  const responder: ResponderDeps = {
    now: deps.now ?? Date.now,
    random: deps.random ?? Math.random,
    sleep: deps.sleep ?? abortableSleep,
    hit: (id) => deps.endpoints.hit(id),
  };
  return new Elysia({ name: "echo-mocks" }).all(
    MOCK_ROUTE,
    async ({ request, path }) => {
      const method = request.method;
      const view = requestView(request);
      // The journal cannot read a body the conditions or templates read already.
      const body = async () => view.textRead() && (await view.textRead());
      if (SERVABLE.has(method) && path.length <= LIMITS.pathLength && !isReservedPath(path)) {
        const found = await catalogue.find(method, path, accepts(view));
        if (found) {
          const { value: mock } = found.route;
          const context = () => templateContext(request, path, found.params, view);
          const response = await respond(mock, method, request.signal, context, responder);
          if (response) {
            const { status } = response;
            const endpoint = mock.endpoint.id;
            await deps.record?.({ request, path, status, endpoint, body: await body() });
            return sandboxHtml(response);
          }
        }
      }
      await deps.record?.({ request, path, status: 404, endpoint: null, body: await body() });
      throw notFound(path);
    },
    { parse: "none", detail: { hide: true } },
  );
}
