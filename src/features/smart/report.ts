import type { Logger } from "../../observability/logger";
import type { SmartResult } from "../../observability/metric-names";
import type { SmartMetrics } from "../../observability/metrics";
import type { HedgeOutcome } from "./hedge";
import type { UpstreamWork } from "./upstream";

/** What one smart request tells its caller, the metrics and the log. */

/** The hedging state a request ran with. */
export interface HedgeState {
  /** The delay this request's hedges were due at, after the clamp. */
  delayMs: number;
  /** `auto` or `fixed`. */
  mode: "auto" | "fixed";
  /** Whole tokens left in the budget after this request, or `undefined` without a budget. */
  budgetTokens: number | undefined;
}

type Outcome = HedgeOutcome<UpstreamWork>;

export function resultOf(outcome: Outcome): SmartResult | undefined {
  switch (outcome.kind) {
    case "success":
      return outcome.winner === 0 ? "first" : "hedge";
    case "cancelled":
      return undefined;
    default:
      return outcome.kind;
  }
}

export function report(outcome: Outcome, metrics: SmartMetrics) {
  for (const attempt of outcome.attempts) metrics.attempt(attempt.outcome, attempt.durationMs);
  if (outcome.hedgesFired > 0) metrics.hedgesFired(outcome.hedgesFired);
  const result = resultOf(outcome);
  if (result) metrics.response(result);
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * `upstream;dur=…;desc="N attempts"`, as with the challenge's fixed delay. With `auto` or a
 * budget, a `hedge` entry follows: the delay used, and whether the budget held hedges back.
 */
export function serverTiming(outcome: Outcome, hedge: HedgeState): string {
  const count = outcome.attempts.length;
  const upstream = `upstream;dur=${round(outcome.elapsedMs)};desc="${count} attempt${count === 1 ? "" : "s"}"`;
  if (hedge.mode === "fixed" && hedge.budgetTokens === undefined) return upstream;
  const desc =
    outcome.hedgesSkipped > 0
      ? `${hedge.mode} delay, ${outcome.hedgesSkipped} skipped for budget`
      : `${hedge.mode} delay`;
  return `${upstream}, hedge;dur=${round(hedge.delayMs)};desc="${desc}"`;
}

/** A network error usually means a wrong `SMART_UPSTREAM_URL` or no network: say so at warn. */
export function warnUnreachable(outcome: Outcome, logger: Logger, requestId: string): void {
  const failed = outcome.attempts.find((a) => a.outcome === "network_error");
  if (!failed) return;
  logger.warn("smart upstream unreachable", {
    cause: failed.detail,
    attempts: outcome.attempts.filter((a) => a.outcome === "network_error").length,
    requestId,
  });
}

export function logFields(
  outcome: Outcome,
  deadlineMs: number | undefined,
  hedge: HedgeState,
  requestId: string,
) {
  return {
    result: resultOf(outcome) ?? outcome.kind,
    winner: outcome.kind === "success" ? outcome.winner : null,
    totalMs: round(outcome.elapsedMs),
    deadlineMs: deadlineMs ?? null,
    hedgeDelayMs: round(hedge.delayMs),
    hedgeDelayMode: hedge.mode,
    hedgesFired: outcome.hedgesFired,
    hedgesSkipped: outcome.hedgesSkipped,
    budgetTokens: hedge.budgetTokens ?? null,
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
