import type { Server } from "bun";
import { Memoirist } from "memoirist";
import { HTTP_METHODS } from "../http-methods";
import type { Logger } from "./logger";
import { newRequestId, requestIdFrom } from "./logger";
import { type Metrics, routeLabel } from "./metrics";

/**
 * Request instrumentation around the framework's fetch handler: the request id
 * header, in-flight and duration metrics, and one access-log line per request.
 *
 * It wraps the handler instead of using per-request framework hooks, which cost
 * more than the work they do on a small route (see README, Performance).
 */

export interface RouteDefinition {
  method: string;
  path: string;
}

export type FetchHandler = (
  request: Request,
  server?: Server<unknown>,
) => Response | Promise<Response>;

export interface InstrumentOptions {
  routes: () => readonly RouteDefinition[];
  fetch: FetchHandler;
  logger: Logger;
  metrics: Metrics;
  /** The catch-all route serving mocks: a hit is labelled `/{mock}`, a miss `/{unmatched}`. */
  mockRoute: string;
  /**
   * Take request ids from the Lambda Web Adapter's context headers. Only on Lambda, where the
   * adapter sets them: elsewhere a client could choose its own, and reading headers costs.
   */
  trustAdapterHeaders: boolean;
}

/** Each request's id, for handlers that log lines of their own. */
const requestIds = new WeakMap<Request, string>();
export const requestIdOf = (request: Request): string | undefined => requestIds.get(request);

/** Requests that ended in "not found"; on the mock catch-all they are misses. */
const notFoundRequests = new WeakSet<Request>();
export const markNotFound = (request: Request) => {
  notFoundRequests.add(request);
};

/** Finds the route template (`/tocos/:user`) a request matched, for labels and logs. */
export function createRouteTemplates(routes: readonly RouteDefinition[]) {
  const exact = new Map<string, Map<string, string>>();
  const dynamic = new Memoirist<string>();
  for (const { method, path } of routes) {
    // A route for every method is filed under each, so a lookup is one `find`, not two.
    const methods = method === "ALL" ? ["ALL", ...HTTP_METHODS] : [method];
    // The framework also matches a path with a trailing slash added (loose paths).
    for (const variant of path === "/" ? [path] : [path, `${path}/`]) {
      for (const key of methods) {
        if (/[:*]/.test(path)) dynamic.add(key, variant, path, { ignoreError: true });
        else {
          const byMethod = exact.get(variant) ?? new Map<string, string>();
          if (!byMethod.has(key)) byMethod.set(key, path);
          exact.set(variant, byMethod);
        }
      }
    }
  }
  return (method: string, path: string): string | undefined => {
    const byMethod = exact.get(path);
    const found = byMethod && (byMethod.get(method) ?? byMethod.get("ALL"));
    if (found) return found;
    return (dynamic.find(method, path) ?? dynamic.find("ALL", path))?.store;
  };
}

/** The path of a request URL, as sent (still percent-encoded), without parsing the whole URL. */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  return query === -1 ? url.slice(start) : url.slice(start, query);
}

const internalError = () =>
  new Response(
    '{"errors":[{"status":"500","code":"internal_error","detail":"The server failed to handle this request"}]}',
    { status: 500, headers: { "content-type": "application/json" } },
  );

export function instrument(options: InstrumentOptions) {
  const { fetch, logger, metrics, mockRoute, trustAdapterHeaders } = options;
  let templates: ReturnType<typeof createRouteTemplates> | undefined;

  const finish = (request: Request, response: Response, startedAt: number, requestId: string) => {
    const missed = notFoundRequests.has(request);
    const tagged = withHeader(response, "x-request-id", requestId);
    const durationMs = performance.now() - startedAt;
    // Built on first use, so routes added before the first request are known.
    templates ??= createRouteTemplates(options.routes());
    const method = request.method;
    const route = routeLabel(templates(method, pathOf(request.url)), mockRoute, missed);
    metrics.requestFinished(method, route, tagged.status, durationMs);
    logger.access(method, route, tagged.status, durationMs, requestId);
    return tagged;
  };

  const fail = (error: unknown) => {
    // The framework maps every error itself; this only guards against its own failure.
    logger.error("request handler failed", { error: String(error) });
    return internalError();
  };

  return function handle(request: Request, server?: Server<unknown>): Response | Promise<Response> {
    const startedAt = performance.now();
    const requestId = trustAdapterHeaders ? requestIdFrom(request.headers) : newRequestId();
    requestIds.set(request, requestId);
    metrics.requestStarted();
    let result: Response | Promise<Response>;
    try {
      result = fetch(request, server);
    } catch (error) {
      result = fail(error);
    }
    // Most routes answer synchronously: no promise, no extra microtask.
    if (result instanceof Response) return finish(request, result, startedAt, requestId);
    return result.then(
      (response) => finish(request, response, startedAt, requestId),
      (error: unknown) => finish(request, fail(error), startedAt, requestId),
    );
  };
}

function withHeader(response: Response, name: string, value: string): Response {
  try {
    response.headers.set(name, value);
    return response;
  } catch {
    // Some responses (redirects, cached static ones) have immutable headers: copy them.
    const copy = new Response(response.body, response);
    copy.headers.set(name, value);
    return copy;
  }
}
