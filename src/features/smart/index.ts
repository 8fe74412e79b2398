import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import type { Config } from "../../config";
import { ApiError } from "../../errors";
import { requestContext } from "../../observability/http";
import type { Logger } from "../../observability/logger";
import type { SmartMetrics } from "../../observability/metrics";
import { ErrorResponse } from "../docs/schemas";
import { adaptiveHedgedRequest, HedgeBudget, HedgeDelay, type Hedging } from "./adaptive";
import type { Timers } from "./hedge";
import { parseTimeout } from "./query";
import { type HedgeState, logFields, report, serverTiming, warnUnreachable } from "./report";
import type { UpstreamClient } from "./upstream";

export { createUpstreamClient, loopbackWorkUrl, type UpstreamClient } from "./upstream";

export type SmartSettings = Pick<
  Config,
  | "port"
  | "smartUpstreamUrl"
  | "smartHedgeDelayMs"
  | "smartHedgePercentile"
  | "smartHedgeMinMs"
  | "smartHedgeBudgetPercent"
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
  // Kept per process: every request teaches the delay and draws on the budget.
  const hedging: Hedging = {
    delay: new HedgeDelay({
      delayMs: config.smartHedgeDelayMs,
      percentile: config.smartHedgePercentile,
      minMs: config.smartHedgeMinMs,
    }),
    budget:
      config.smartHedgeBudgetPercent > 0
        ? new HedgeBudget(config.smartHedgeBudgetPercent)
        : undefined,
  };
  metrics.hedging(hedging.delay.currentMs(), hedging.budget?.tokens);

  return new Elysia({ name: "smart" }).use(requestContext()).get(
    "/api/smart",
    async ({ query, request, requestId }) => {
      const deadlineMs = parseTimeout(query.timeout, config.smartMaxTimeoutMs);
      const { outcome, delayMs } = await adaptiveHedgedRequest(hedging, {
        attempt: upstream.attempt,
        timers,
        hedgeCount: config.smartHedgeCount,
        deadlineMs,
        signal: request.signal,
      });
      const hedge: HedgeState = {
        delayMs,
        mode: hedging.delay.auto ? "auto" : "fixed",
        budgetTokens: hedging.budget?.tokens,
      };
      report(outcome, metrics);
      metrics.hedging(hedging.delay.currentMs(), hedge.budgetTokens);
      if (logger.enabled("info")) {
        logger.info("smart", logFields(outcome, deadlineMs, hedge, requestId));
      }
      warnUnreachable(outcome, logger, requestId);
      const timing = serverTiming(outcome, hedge);
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
          `Sends one request upstream. If it has not succeeded after SMART_HEDGE_DELAY_MS (${config.smartHedgeDelayMs}${config.smartHedgeDelayMs === "auto" ? `: the ${config.smartHedgePercentile}th percentile of recent upstream latencies` : " ms"}), or fails sooner, sends SMART_HEDGE_COUNT (${config.smartHedgeCount}) more; the first success wins and the others are aborted.`,
          "A success is HTTP 200 with a JSON object carrying an integer `time`; it is returned as received.",
          "502 when every attempt failed before the deadline, 504 at the deadline when none succeeded.",
          "The `Server-Timing` header gives the upstream time and the number of attempts; with `auto` or a hedge budget, also the delay used and any hedges the budget skipped.",
        ].join(" "),
      },
    },
  );
};
