import { Elysia } from "elysia";
import type { Logger } from "./logger";
import { newRequestId, requestIdFrom } from "./logger";
import { type Metrics, routeLabel } from "./metrics";

/**
 * Request instrumentation as Elysia hooks: the request id, the `x-request-id` header,
 * in-flight and duration metrics, and one access-log line per request. Everything a request
 * carries lives in its Elysia context, and the route label is Elysia's own `route`, the
 * registered template: nothing is kept on the side and nothing is matched twice.
 *
 * `mapResponse` runs synchronously on every response, the error handler's included; it was
 * measured against `onAfterResponse`, which defers a task per request (see docs/performance.md).
 */

/** Per-request fields in Elysia's context, for the hooks below and for handlers that log. */
export const requestContext = () =>
  new Elysia({ name: "request-context" })
    .decorate("requestId", "")
    .decorate("receivedAt", 0)
    /** Set by the error handler when a catch-all route found nothing to serve. */
    .decorate("routeMissed", false);

export interface ObservabilityOptions {
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

export const requestObservability = (options: ObservabilityOptions) => {
  const { logger, metrics, mockRoute, trustAdapterHeaders } = options;
  return (
    new Elysia({ name: "observability" })
      .use(requestContext())
      // Named functions, not arrows, and no `return f(…)`: Elysia guesses from a hook's source
      // text whether it is asynchronous, and the minified build turns `(c) => { c.x = f(); … }`
      // into `(c)=>{c.x=f(`, which reads as async. Every route would then be compiled into an
      // async function, and every request would pay for a promise (see docs/performance.md).
      .onRequest(function startRequest(context) {
        context.receivedAt = performance.now();
        context.requestId = trustAdapterHeaders
          ? requestIdFrom(context.request.headers)
          : newRequestId();
        metrics.requestStarted();
      })
      // Destructured: Elysia prepares, for every route, whatever any hook reads.
      .mapResponse(
        { as: "global" },
        function finishRequest({
          request,
          route,
          set,
          responseValue,
          requestId,
          receivedAt,
          routeMissed,
        }) {
          const durationMs = performance.now() - receivedAt;
          const status =
            responseValue instanceof Response
              ? responseValue.status
              : typeof set.status === "number"
                ? set.status
                : 200;
          const label = routeLabel(route, mockRoute, routeMissed);
          metrics.requestFinished(request.method, label, status, durationMs);
          logger.access(request.method, label, status, durationMs, requestId);
          const response = withContextHeaders(responseValue, set, requestId);
          if (response) return response;
          set.headers["x-request-id"] = requestId;
        },
      )
  );
};

const REQUEST_ID = "x-request-id";

type ResponseSet = { headers: Record<string, unknown>; status?: unknown; cookie?: unknown };

/**
 * The response, with the context's headers (CORS) and `x-request-id` set on it in place, for a
 * Response a handler returned and for a JSON document. Left to Elysia, a Response would be
 * rebuilt around its body stream to merge them, which costs more than serving a mock, and a
 * document would go to `Response.json(document, set)`, whose headers from a plain object cost
 * more than the `headers.set` calls here. A header the Response has already wins, as in Elysia's
 * merge. Whatever this cannot do in place (cookies, a status name, a header value that is not a
 * string, immutable headers, other bodies) is left to Elysia.
 */
function withContextHeaders(
  value: unknown,
  set: ResponseSet,
  requestId: string,
): Response | undefined {
  if (set.cookie || typeof set.status !== "number") return undefined;
  if (value instanceof Response) {
    if (set.status !== 200 && value.status === 200) return undefined;
  } else if (!isJsonDocument(value)) return undefined;
  const headers = set.headers;
  for (const name in headers) if (typeof headers[name] !== "string") return undefined;
  let response: Response;
  try {
    if (value instanceof Response) response = value;
    else if (set.status === 200) response = Response.json(value);
    else response = Response.json(value, { status: set.status });
    const own = value === response;
    for (const name in headers) {
      if (!own || !response.headers.has(name)) {
        response.headers.set(name, headers[name] as string);
      }
    }
    if (!own || !response.headers.has(REQUEST_ID)) response.headers.set(REQUEST_ID, requestId);
  } catch {
    return undefined;
  }
  set.headers = {};
  return response;
}

/** A plain object or array, which Elysia would serialise with `Response.json`. */
function isJsonDocument(value: unknown): value is object {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null || Array.isArray(value);
}

/** The path of a request URL, as sent (still percent-encoded), without parsing the whole URL. */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  return query === -1 ? url.slice(start) : url.slice(start, query);
}
