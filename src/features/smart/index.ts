import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import type { Config } from "../../config";
import { ApiError } from "../../errors";
import { requestContext } from "../../observability/http";
import type { Logger } from "../../observability/logger";
import type { SmartResult } from "../../observability/metric-names";
import type { SmartMetrics } from "../../observability/metrics";
import { ErrorResponse } from "../docs/schemas";
import { type HedgeOutcome, hedgedRequest, type Timers } from "./hedge";
import { parseTimeout } from "./query";
import type { UpstreamClient, UpstreamWork } from "./upstream";

export { createUpstreamClient, loopbackWorkUrl, type UpstreamClient } from "./upstream";

export type SmartSettings = Pick<
  Config,
  | "port"
  | "smartUpstreamUrl"
  | "smartHedgeDelayMs"
  | "smartHedgeCount"
  | "smartAttemptTimeoutMs"
  | "smartMaxTimeoutMs"
>;

export interface SmartDeps {
  config: SmartSettings;
  logger: Logger;
  metrics: SmartMetrics;
  upstream: UpstreamClient;
  timers: Timers;
}

export const SmartWork = t.Object(
  { time: Type.Integer({ description: "The upstream's figure, passed through" }) },
  { description: "The upstream's JSON body, exactly as received", additionalProperties: true },
);

/** A client that went away gets nothing useful; the status only shows in logs. */
const CLIENT_CLOSED = 499;

export const smartRoutes = (deps: SmartDeps) => {
  const { config, logger, metrics, upstream, timers } = deps;

  return new Elysia({ name: "smart" }).use(requestContext()).get(
    "/api/smart",
    async ({ query, request, requestId }) => {
      const deadlineMs = parseTimeout(query.timeout, config.smartMaxTimeoutMs);
      const outcome = await hedgedRequest({
        attempt: upstream.attempt,
        timers,
        hedgeDelayMs: config.smartHedgeDelayMs,
        hedgeCount: config.smartHedgeCount,
        deadlineMs,
        signal: request.signal,
      });
      report(outcome, metrics);
      if (logger.enabled("info")) {
        logger.info("smart", logFields(outcome, deadlineMs, requestId));
      }
      warnUnreachable(outcome, logger, requestId);
      const timing = serverTiming(outcome);
      switch (outcome.kind) {
        case "success":
          return new Response(outcome.value.body, {
            headers: {
              "content-type": "application/json",
              "cache-control": "no-store",
              "server-timing": timing,
            },
          });
        case "deadline":
          throw new ApiError(
            504,
            "upstream_timeout",
            `No upstream attempt succeeded within the ${deadlineMs} ms deadline`,
            undefined,
            { "server-timing": timing },
          );
        case "all_failed":
          throw new ApiError(
            502,
            "upstream_failed",
            `All ${outcome.attempts.length} upstream attempts failed (${outcome.attempts
              .map((a) => a.outcome)
              .join(", ")})`,
            undefined,
            { "server-timing": timing },
          );
        case "cancelled":
          throw new ApiError(
            CLIENT_CLOSED,
            "client_closed_request",
            "The client closed the request before an answer",
          );
      }
    },
    {
      query: t.Object({
        timeout: t.Optional(
          t.Union([t.String(), t.Array(t.String())], {
            description: `The whole request's deadline in milliseconds, an integer from 1 to SMART_MAX_TIMEOUT_MS (default ${config.smartMaxTimeoutMs}). Without it there is no overall deadline; each upstream attempt is still bounded by SMART_ATTEMPT_TIMEOUT_MS.`,
            examples: ["1000"],
          }),
        ),
      }),
      response: {
        200: SmartWork,
        400: ErrorResponse,
        502: ErrorResponse,
        504: ErrorResponse,
      },
      detail: {
        tags: ["smart"],
        summary: "The upstream's work, with hedged requests and one deadline",
        description: [
          `Sends one request upstream. If it has not succeeded after SMART_HEDGE_DELAY_MS (${config.smartHedgeDelayMs} ms), or fails sooner, sends SMART_HEDGE_COUNT (${config.smartHedgeCount}) more; the first success wins and the others are aborted.`,
          "A success is HTTP 200 with a JSON object carrying an integer `time`; it is returned as received.",
          "502 when every attempt failed before the deadline, 504 at the deadline when none succeeded.",
          "The `Server-Timing` header gives the upstream time and the number of attempts.",
        ].join(" "),
      },
    },
  );
};

function resultOf(outcome: HedgeOutcome<UpstreamWork>): SmartResult | undefined {
  switch (outcome.kind) {
    case "success":
      return outcome.winner === 0 ? "first" : "hedge";
    case "cancelled":
      return undefined;
    default:
      return outcome.kind;
  }
}

function report(outcome: HedgeOutcome<UpstreamWork>, metrics: SmartMetrics) {
  for (const attempt of outcome.attempts) metrics.attempt(attempt.outcome, attempt.durationMs);
  if (outcome.hedgesFired > 0) metrics.hedgesFired(outcome.hedgesFired);
  const result = resultOf(outcome);
  if (result) metrics.response(result);
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function serverTiming(outcome: HedgeOutcome<UpstreamWork>): string {
  const count = outcome.attempts.length;
  return `upstream;dur=${round(outcome.elapsedMs)};desc="${count} attempt${count === 1 ? "" : "s"}"`;
}

/** A network error usually means a wrong `SMART_UPSTREAM_URL` or no network: say so at warn. */
function warnUnreachable(
  outcome: HedgeOutcome<UpstreamWork>,
  logger: Logger,
  requestId: string,
): void {
  const failed = outcome.attempts.find((a) => a.outcome === "network_error");
  if (!failed) return;
  logger.warn("smart upstream unreachable", {
    cause: failed.detail,
    attempts: outcome.attempts.filter((a) => a.outcome === "network_error").length,
    requestId,
  });
}

function logFields(
  outcome: HedgeOutcome<UpstreamWork>,
  deadlineMs: number | undefined,
  requestId: string,
) {
  return {
    result: resultOf(outcome) ?? outcome.kind,
    winner: outcome.kind === "success" ? outcome.winner : null,
    totalMs: round(outcome.elapsedMs),
    deadlineMs: deadlineMs ?? null,
    hedgesFired: outcome.hedgesFired,
    attempts: outcome.attempts.map((a) => ({
      index: a.index,
      outcome: a.outcome,
      startMs: round(a.startedAtMs),
      durationMs: round(a.durationMs),
      ...(a.detail ? { detail: a.detail } : {}),
    })),
    requestId,
  };
}
