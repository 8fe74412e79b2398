import type { Config } from "../config";
import { HTTP_METHODS } from "../http-methods";
import { createEmfWriter, type EmfSink } from "./emf";
import {
  DurationSeries,
  HTTP_DURATION_BUCKETS_MS,
  RequestDurations,
  UPSTREAM_DURATION_BUCKETS_MS,
} from "./histogram";
import {
  ROUTE_MOCK,
  ROUTE_UNMATCHED,
  SMART_OUTCOMES,
  SMART_RESULTS,
  type SmartOutcome,
  type SmartResult,
} from "./metric-names";
import type { Exporter } from "./prometheus";

/**
 * The one metrics module: what the request path and `/api/smart` record. Recording touches
 * plain numbers only (see `histogram.ts`); prom-client is loaded on the first scrape
 * (`prometheus.ts`), so start-up pays nothing for it, and a Lambda instance, which is never
 * scraped, never loads it. With EMF on, every record is also forwarded to CloudWatch.
 */

/** Methods outside this set share one label, so a client cannot mint new series. */
const KNOWN_METHODS = new Set<string>(HTTP_METHODS);
export const OTHER_METHOD = "OTHER";

/**
 * The `route` label: the matched route template, never the raw path. The mock catch-all is
 * split into hits (`/{mock}`) and misses (`/{unmatched}`), and a request that matched no
 * route at all is a miss too.
 */
export function routeLabel(
  template: string | undefined,
  mockRoute: string,
  mockMissed: boolean,
): string {
  if (!template) return ROUTE_UNMATCHED;
  if (template === mockRoute) return mockMissed ? ROUTE_UNMATCHED : ROUTE_MOCK;
  return template;
}

/** What `/api/smart` reports. Durations are in milliseconds. */
export interface SmartMetrics {
  /** One upstream attempt ended, after `milliseconds`. */
  attempt(outcome: SmartOutcome, milliseconds: number): void;
  /** `count` hedges fired for one smart request. */
  hedgesFired(count: number): void;
  /** How one smart request ended. */
  response(result: SmartResult): void;
  /** The hedge delay now, and the budget's whole tokens left (`undefined`: no budget). */
  hedging(delayMs: number, budgetTokens: number | undefined): void;
}

export interface Exposition {
  contentType: string;
  body: string;
}

export interface Metrics {
  /** A request arrived; it counts as in flight until `requestFinished`. */
  requestStarted(): void;
  /** Call exactly once per started request. `route` is a label from `routeLabel`. */
  requestFinished(method: string, route: string, status: number, milliseconds: number): void;
  readonly smart: SmartMetrics;
  /** The Prometheus text exposition of everything. */
  scrape(): Promise<Exposition>;
  /** Writes out buffered EMF lines; called at shutdown. */
  flush(): void;
}

export interface MetricsOptions {
  /** EMF lines are written when `metricsEmf` is set, under `metricsNamespace`. */
  config?: Pick<Config, "metricsEmf" | "metricsNamespace">;
  /** Where EMF lines go; stdout by default. */
  emfSink?: EmfSink;
  /** Counts the Echo endpoints, asked at scrape time. */
  endpointCount?: () => Promise<number>;
  /** Adds the process metrics that are accurate under Bun (see `process-metrics.ts`). */
  processMetrics?: boolean;
}

/** Everything recorded so far, as plain numbers; the Prometheus registry reads it at scrape time. */
export interface MetricState {
  readonly requests: RequestDurations;
  inFlight: number;
  readonly upstream: DurationSeries;
  readonly attempts: Record<SmartOutcome, number>;
  readonly responses: Record<SmartResult, number>;
  hedges: number;
  /** NaN until the smart feature reports them; tokens stay NaN without a budget. */
  hedgeDelayMs: number;
  hedgeBudgetTokens: number;
}

const countsOf = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const emf = options.config?.metricsEmf
    ? createEmfWriter({ namespace: options.config.metricsNamespace, sink: options.emfSink })
    : undefined;
  const state: MetricState = {
    requests: new RequestDurations(HTTP_DURATION_BUCKETS_MS),
    inFlight: 0,
    upstream: new DurationSeries(UPSTREAM_DURATION_BUCKETS_MS),
    attempts: countsOf(SMART_OUTCOMES),
    responses: countsOf(SMART_RESULTS),
    hedges: 0,
    hedgeDelayMs: Number.NaN,
    hedgeBudgetTokens: Number.NaN,
  };

  let exporter: Promise<Exporter> | undefined;

  return {
    requestStarted() {
      state.inFlight++;
    },
    requestFinished(method, route, status, milliseconds) {
      state.inFlight--;
      const methodLabel = KNOWN_METHODS.has(method) ? method : OTHER_METHOD;
      state.requests.series(methodLabel, route, status).observe(milliseconds);
      emf?.request(route, methodLabel, status, milliseconds);
    },
    smart: {
      attempt(outcome, milliseconds) {
        state.attempts[outcome]++;
        state.upstream.observe(milliseconds);
        emf?.attempt(outcome, milliseconds);
      },
      hedgesFired(count) {
        state.hedges += count;
        emf?.hedgesFired(count);
      },
      response(result) {
        state.responses[result]++;
        emf?.response(result);
      },
      hedging(delayMs, budgetTokens) {
        state.hedgeDelayMs = delayMs;
        state.hedgeBudgetTokens = budgetTokens ?? Number.NaN;
        emf?.hedging(delayMs, budgetTokens);
      },
    },
    async scrape() {
      exporter ??= import("./prometheus").then(({ createExporter }) =>
        createExporter(state, options),
      );
      const ready = await exporter;
      return { contentType: ready.contentType, body: await ready.metrics() };
    },
    flush() {
      emf?.flush();
    },
  };
}
