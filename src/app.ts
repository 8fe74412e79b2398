import { Elysia, t } from "elysia";
import packageJson from "../package.json" with { type: "json" };
import { createAllowedMethods } from "./allowed-methods";
import type { Config } from "./config";
import { corsHeaders, optionsResponse } from "./cors";
import { ApiError, badParameter, methodNotAllowed, notFound } from "./errors";
import { consoleRoutes } from "./features/console";
import { docsRoutes } from "./features/docs";
import { jsonResponse } from "./features/docs/schemas";
import { echoRoutes, MOCK_ROUTE, mockRoutes } from "./features/echo";
import { importRoutes } from "./features/echo/import-routes";
import { journalRoutes } from "./features/echo/journal-routes";
import { asJsonApi, isManagementRoute } from "./features/echo/jsonapi";
import { journalRecorder } from "./features/echo/recorder";
import type { MockDeps } from "./features/echo/serve";
import { type FactorialDigits, factorialRoutes } from "./features/factorial";
import { metricsRoutes } from "./features/metrics";
import { smartRoutes, type UpstreamClient } from "./features/smart";
import type { Timers } from "./features/smart/hedge";
import { timeRoutes } from "./features/time";
import { tocosRoutes, type UserSnapshot } from "./features/tocos";
import { workRoutes } from "./features/work";
import { requestObservability } from "./observability/http";
import type { Logger } from "./observability/logger";
import type { Metrics } from "./observability/metrics";
import type { Store } from "./store/store";

/** Everything the app is built from; `createDeps` (deps.ts) builds each one, in one place. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  /** Users and mock endpoints: SQLite or DynamoDB, behind one interface. */
  store: Store;
  /** The users, read once and refreshed on `TOCOS_CACHE_TTL_S`, as ready JSON bytes. */
  users: UserSnapshot;
  factorial: FactorialDigits;
  /** Prometheus and EMF metrics, for requests and for `/api/smart`. */
  metrics: Metrics;
  /** The `/api/smart` upstream's connection pool. */
  upstream: UpstreamClient;
  timers: Timers;
  now: () => number;
  /** The random source and sleep of mock responses (delays, random order, templates). */
  echo: Pick<MockDeps, "random" | "sleep">;
}

const decodes = (path: string) => {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
};

// The framework reports a path parameter it cannot percent-decode as "Expected string".
const badEscape = (name: string) =>
  badParameter(
    name,
    `Path parameter \`${name}\` is not valid percent-encoding: each \`%\` must be followed by two hex digits, and together they must spell UTF-8 (\`%C3%A9\` is é)`,
  );

/** Maps every error, ours or the framework's, to the one error format. */
function toApiError(code: string | number, error: unknown, path: string): ApiError {
  if (error instanceof ApiError) return error;
  switch (code) {
    case "NOT_FOUND":
      return notFound(path);
    case "PARSE":
      return new ApiError(400, "malformed_body", "The request body could not be parsed");
    case "VALIDATION": {
      const v = error as { type?: string; valueError?: { path?: string; message?: string } };
      const where = v.valueError?.path || "";
      const message = v.valueError?.message ?? "is invalid";
      if (v.type === "body") {
        return new ApiError(422, "invalid_attribute", `\`${where || "/"}\` ${message}`, {
          pointer: where,
        });
      }
      const name = where.replace(/^\//, "").split("/")[0] ?? "";
      if (v.type === "params" && !decodes(path)) return badEscape(name);
      const kind = v.type === "params" ? "Path parameter" : "Query parameter";
      return new ApiError(400, "invalid_parameter", `${kind} \`${name}\` ${message}`, {
        parameter: name,
      });
    }
  }
  return new ApiError(500, "internal_error", "The server failed to handle this request");
}

/** The Elysia app: observability, docs, the error mapping and every feature. */
function createRoutes(deps: AppDeps) {
  const { config, logger } = deps;
  const record = journalRecorder(deps.store.journal, config.echoJournalRedact, logger);
  // Elysia lets a catch-all shadow routes added after it, so mockRoutes stays the last `.use`.
  // standardHostname off: Elysia's fast path assumes a host of at least 4 characters.
  const allowedMethods = createAllowedMethods(() => app.routes);
  const app = new Elysia({ name: "app", handler: { standardHostname: false } })
    .use(
      requestObservability({
        logger,
        metrics: deps.metrics,
        mockRoute: MOCK_ROUTE,
        trustAdapterHeaders: config.onLambda,
      }),
    )
    .use(corsHeaders(config.corsOrigins))
    .onError((context) => {
      const { code, error, request, path, set } = context;
      let apiError = toApiError(code, error, path);
      if (apiError.code === "not_found") {
        // No route answered. OPTIONS and CORS preflights get 204; a built-in path asked with
        // another method is a 405; a mock path keeps its 404.
        const allowed = allowedMethods(path);
        if (request.method === "OPTIONS") {
          const answer = optionsResponse(config.corsOrigins, request, allowed);
          if (answer) return answer;
        } else if (allowed.length > 0 && !allowed.includes(request.method)) {
          apiError = methodNotAllowed(request.method, path, allowed);
        }
      }
      // The framework's own refusals (a malformed escape in `:id`) on the management API too.
      if (isManagementRoute(context.route)) apiError = asJsonApi(apiError);
      if (apiError.status >= 500 && !(error instanceof ApiError)) {
        logger.error("unhandled error", {
          path,
          method: request.method,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          stack: error instanceof Error ? error.stack : undefined,
        });
      }
      if (apiError.status === 404 || apiError.status === 405) context.routeMissed = true;
      // A document, not a Response, so the response hooks see it like any other.
      set.status = apiError.status;
      set.headers["content-type"] = "application/json";
      if (apiError.headers) Object.assign(set.headers, apiError.headers);
      return apiError.toDocument();
    })
    .use(docsRoutes(packageJson.version))
    .get("/healthz", () => ({ status: "ok" as const }), {
      detail: {
        tags: ["operations"],
        summary: "Readiness check",
        responses: { 200: jsonResponse("Ready", t.Object({ status: t.Literal("ok") })) },
      },
    })
    .use(metricsRoutes(deps.metrics))
    .use(timeRoutes(deps.now))
    .use(tocosRoutes(deps.users))
    .use(factorialRoutes(deps.factorial, config.factorialMax))
    .use(
      smartRoutes({
        config,
        logger,
        metrics: deps.metrics.smart,
        upstream: deps.upstream,
        timers: deps.timers,
      }),
    )
    .use(workRoutes({ profile: config.work }))
    .use(echoRoutes({ endpoints: deps.store.endpoints, apiToken: config.apiToken, logger }))
    .use(consoleRoutes())
    .use(importRoutes(deps.store.endpoints, config.apiToken))
    .use(
      journalRoutes({
        journal: deps.store.journal,
        endpoints: deps.store.endpoints,
        apiToken: config.apiToken,
      }),
    )
    .use(
      mockRoutes({ endpoints: deps.store.endpoints, logger, now: deps.now, ...deps.echo, record }),
    );
  return app;
}

export interface ListenOptions {
  port: number;
  hostname: string;
}

/**
 * The service. `handle` is what the server calls and what tests call; `app` is the Elysia
 * instance, for tests that add a route of their own before the first request.
 */
export function createApp(deps: AppDeps) {
  const app = createRoutes(deps);
  return {
    app,
    metrics: deps.metrics,
    handle: (request: Request) => app.handle(request),
    listen: ({ port, hostname }: ListenOptions) =>
      // reusePort off: a second process on the same port fails instead of sharing its requests.
      Bun.serve({
        port,
        hostname,
        fetch: app.fetch,
        development: false,
        reusePort: false,
        maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      }),
  };
}

export type App = ReturnType<typeof createApp>;
