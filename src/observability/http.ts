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
      .onRequest((context) => {
        context.receivedAt = performance.now();
        context.requestId = trustAdapterHeaders
          ? requestIdFrom(context.request.headers)
          : newRequestId();
        metrics.requestStarted();
      })
      // Destructured: Elysia prepares, for every route, whatever any hook reads.
      .mapResponse(
        { as: "global" },
        ({ request, route, set, responseValue, requestId, receivedAt, routeMissed }) => {
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
          set.headers["x-request-id"] = requestId;
          if (responseValue instanceof Response) return withContextHeaders(responseValue, set);
        },
      )
  );
};

type ResponseSet = { headers: Record<string, unknown>; status?: unknown; cookie?: unknown };

/**
 * The context's headers (CORS, `x-request-id`) set on a Response a handler returned. Left to
 * Elysia, they would be merged by building a second Response around the first one's body stream,
 * which costs more than serving a mock. A header the Response has already wins, as in Elysia's
 * merge. Whatever this cannot do in place (a status or cookies in the context, immutable headers,
 * a header value that is not a string) is left to Elysia.
 */
function withContextHeaders(response: Response, set: ResponseSet): Response | undefined {
  if ((set.status !== 200 && response.status === 200) || set.cookie) return undefined;
  const entries = Object.entries(set.headers);
  if (entries.some(([, value]) => typeof value !== "string")) return undefined;
  try {
    for (const [name, value] of entries) {
      if (!response.headers.has(name)) response.headers.set(name, value as string);
    }
  } catch {
    return undefined;
  }
  set.headers = {};
  return response;
}

/** The path of a request URL, as sent (still percent-encoded), without parsing the whole URL. */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  return query === -1 ? url.slice(start) : url.slice(start, query);
}
