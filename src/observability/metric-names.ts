/**
 * The one place that names metrics. The Prometheus exporter, the EMF writer,
 * the Grafana dashboard, the CloudWatch dashboard and alarms, and `make stats`
 * all read these constants, so a rename happens here or nowhere.
 */
export const PROM = {
  httpDuration: "http_request_duration_seconds",
  httpInFlight: "http_requests_in_flight",
  smartUpstreamRequests: "smart_upstream_requests_total",
  smartUpstreamDuration: "smart_upstream_request_duration_seconds",
  smartHedgesFired: "smart_hedges_fired_total",
  smartResponses: "smart_responses_total",
  smartHedgeDelay: "smart_hedge_delay_seconds",
  smartHedgeBudgetTokens: "smart_hedge_budget_tokens",
  echoEndpoints: "echo_endpoints",
} as const;

/** Route label for requests answered by a user-defined mock. */
export const ROUTE_MOCK = "/{mock}";
/** Route label for requests that matched nothing. */
export const ROUTE_UNMATCHED = "/{unmatched}";

export const SMART_OUTCOMES = [
  "success",
  "http_error",
  "invalid_payload",
  "network_error",
  "timeout",
  "aborted",
] as const;
export type SmartOutcome = (typeof SMART_OUTCOMES)[number];

export const SMART_RESULTS = ["first", "hedge", "deadline", "all_failed"] as const;
export type SmartResult = (typeof SMART_RESULTS)[number];

/** CloudWatch Embedded Metric Format: dimension and metric names. */
export const EMF = {
  dimensions: { route: "Route", method: "Method" },
  latency: "Latency",
  requests: "Requests",
  errors4xx: "Errors4xx",
  errors5xx: "Errors5xx",
  /** Per-outcome upstream counters are named `Upstream_<outcome>`, e.g. `Upstream_success`. */
  upstreamPrefix: "Upstream_",
  /** Upstream attempt durations, in milliseconds. */
  upstreamLatency: "UpstreamLatency",
  hedgesFired: "HedgesFired",
  /** The hedge delay and the budget's whole tokens after the turn's last smart request. */
  hedgeDelay: "HedgeDelay",
  hedgeBudgetTokens: "HedgeBudgetTokens",
  smartResultPrefix: "Smart_",
} as const;

export const upstreamMetricName = (outcome: SmartOutcome) => `${EMF.upstreamPrefix}${outcome}`;
export const smartResultMetricName = (result: SmartResult) => `${EMF.smartResultPrefix}${result}`;
