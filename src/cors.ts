import { Elysia } from "elysia";
import type { Config } from "./config";
import { HTTP_METHODS } from "./http-methods";

/** Headers a browser script may read from a response. */
const EXPOSED = "x-request-id, location, server-timing";
const PREFLIGHT_MAX_AGE_S = "600";

type Origins = Config["corsOrigins"];

/** The `Access-Control-Allow-Origin` a request gets, if any. */
function allowedOrigin(origins: Origins, list: Set<string> | undefined, request: Request) {
  if (origins === "off") return undefined;
  if (!list) return "*";
  const origin = request.headers.get("origin");
  return origin !== null && list.has(origin) ? origin : undefined;
}

/**
 * CORS headers on every response, mocks and errors included. With any origin allowed they are the
 * same on every response: Elysia's default headers, with no hook to run per request.
 */
export function corsHeaders(origins: Origins) {
  const plugin = new Elysia({ name: "cors" });
  if (origins === "off") return plugin;
  if (origins === "*") {
    return plugin.headers({
      "access-control-allow-origin": "*",
      "access-control-expose-headers": EXPOSED,
    });
  }
  const list = new Set(origins);
  // A named function: an arrow could read as async to Elysia once minified (observability/http.ts).
  return plugin.onRequest(function corsHeadersFor({ request, set }) {
    const origin = allowedOrigin(origins, list, request);
    if (origin !== undefined) {
      set.headers["access-control-allow-origin"] = origin;
      set.headers["access-control-expose-headers"] = EXPOSED;
    }
    set.headers.vary = "Origin";
  });
}

/**
 * The answer to an `OPTIONS` request that no route (and no `OPTIONS` mock) answered: a CORS
 * preflight gets 204 with the allow headers, on any path; a plain `OPTIONS` on one of the
 * service's own paths gets 204 with `Allow`. Anything else stays a 404 (undefined).
 */
export function optionsResponse(
  origins: Origins,
  request: Request,
  allowed: readonly string[],
): Response | undefined {
  const list = Array.isArray(origins) ? new Set(origins) : undefined;
  const origin = allowedOrigin(origins, list, request);
  const headers: Record<string, string> = {};
  if (allowed.length > 0) headers.allow = allowed.join(", ");
  const preflight =
    origin !== undefined &&
    request.headers.has("origin") &&
    request.headers.has("access-control-request-method");
  if (preflight) {
    // On a mock path any method may be mocked.
    headers["access-control-allow-methods"] = (allowed.length > 0 ? allowed : HTTP_METHODS).join(
      ", ",
    );
    const requested = request.headers.get("access-control-request-headers");
    if (requested) headers["access-control-allow-headers"] = requested;
    headers["access-control-max-age"] = PREFLIGHT_MAX_AGE_S;
  } else if (allowed.length === 0) {
    return undefined;
  }
  return new Response(null, { status: 204, headers });
}
