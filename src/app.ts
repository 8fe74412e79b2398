import { Elysia, t } from "elysia";
import packageJson from "../package.json" with { type: "json" };
import type { Config } from "./config";
import { ApiError, notFound } from "./errors";
import { docsRoutes } from "./features/docs";
import { echoRoutes, MOCK_ROUTE, mockRoutes } from "./features/echo";
import { type FactorialDigits, factorialRoutes } from "./features/factorial";
import { metricsRoutes } from "./features/metrics";
import { type SmartDeps, smartRoutes } from "./features/smart";
import { timeRoutes } from "./features/time";
import { tocosRoutes } from "./features/tocos";
import type { Logger } from "./observability/logger";
import { requestIdFrom } from "./observability/logger";
import { createMetrics, type Metrics, routeLabel } from "./observability/metrics";
import type { Store } from "./store/store";

export interface AppDeps {
  config: Config;
  logger: Logger;
  /** Users and mock endpoints: SQLite or DynamoDB, behind one interface. */
  store: Store;
  factorial: FactorialDigits;
  now?: () => number;
  /** Upstream client, metrics and timers for `/api/smart`; built from config when absent. */
  smart?: Pick<SmartDeps, "metrics" | "upstream" | "timers">;
  /** Prometheus and EMF request metrics; built from config when absent. */
  metrics?: Metrics;
}

const JSON_TYPE = "application/json";

/** Per-request bookkeeping, kept on Elysia's context object. */
interface Timing {
  startedAt: number;
  requestId: string;
  /** The request ended in a not-found error: on the mock catch-all, that is a miss. */
  notFound?: boolean;
}
const TIMING = Symbol("timing");
type WithTiming = { [TIMING]?: Timing };

function errorResponse(error: ApiError, requestId: string | undefined): Response {
  const headers: Record<string, string> = { "content-type": JSON_TYPE, ...error.headers };
  if (requestId) headers["x-request-id"] = requestId;
  return new Response(JSON.stringify(error.toDocument()), { status: error.status, headers });
}

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
      const kind = v.type === "params" ? "Path parameter" : "Query parameter";
      return new ApiError(400, "invalid_parameter", `${kind} \`${name}\` ${message}`, {
        parameter: name,
      });
    }
  }
  return new ApiError(500, "internal_error", "The server failed to handle this request");
}

function responseStatus(value: unknown, status: unknown): number {
  if (value instanceof Response) return value.status;
  return typeof status === "number" ? status : 200;
}

export function createApp(deps: AppDeps) {
  const { config, logger } = deps;
  const metrics =
    deps.metrics ?? createMetrics({ config, endpointCount: () => deps.store.endpoints.count() });

  // Elysia lets a catch-all shadow routes added after it, so mockRoutes stays the last `.use`.
  return new Elysia({ name: "app" })
    .onRequest((ctx) => {
      const requestId = requestIdFrom(ctx.request.headers);
      (ctx as WithTiming)[TIMING] = { startedAt: performance.now(), requestId };
      metrics.requestStarted();
      ctx.set.headers["x-request-id"] = requestId;
    })
    .onError(({ code, error, request, path, set, ...ctx }) => {
      const apiError = toApiError(code, error, path);
      set.status = apiError.status;
      if (apiError.status >= 500 && !(error instanceof ApiError)) {
        logger.error("unhandled error", {
          path,
          method: request.method,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          stack: error instanceof Error ? error.stack : undefined,
        });
      }
      const timing = (ctx as WithTiming)[TIMING];
      if (timing && apiError.code === "not_found") timing.notFound = true;
      return errorResponse(apiError, timing?.requestId);
    })
    .onAfterResponse((ctx) => {
      const timing = (ctx as WithTiming)[TIMING];
      if (!timing) return;
      // A request is finished once, so in-flight goes back down exactly once.
      (ctx as WithTiming)[TIMING] = undefined;
      const status = responseStatus(ctx.responseValue, ctx.set.status);
      const durationMs = performance.now() - timing.startedAt;
      const route = routeLabel(ctx.route, MOCK_ROUTE, timing.notFound === true);
      metrics.requestFinished(ctx.request.method, route, status, durationMs);
      if (!logger.enabled("info")) return;
      logger.info("request", {
        method: ctx.request.method,
        route,
        status,
        durationMs: Math.round(durationMs * 1000) / 1000,
        requestId: timing.requestId,
      });
    })
    .use(docsRoutes(packageJson.version))
    .get("/healthz", () => ({ status: "ok" as const }), {
      response: { 200: t.Object({ status: t.Literal("ok") }) },
      detail: { tags: ["operations"], summary: "Readiness check" },
    })
    .use(metricsRoutes(metrics))
    .use(timeRoutes(deps.now))
    .use(tocosRoutes(deps.store.users))
    .use(factorialRoutes(deps.factorial, config.factorialMax))
    .use(smartRoutes({ config, logger, metrics: metrics.smart, ...deps.smart }))
    .use(echoRoutes({ endpoints: deps.store.endpoints, apiToken: config.apiToken, logger }))
    .use(mockRoutes(deps.store.endpoints));
}

export type App = ReturnType<typeof createApp>;
