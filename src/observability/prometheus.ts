import {
  AggregatorRegistry,
  Counter,
  Gauge,
  type PrometheusContentType,
  Registry,
} from "prom-client";
import type { DurationSeries } from "./histogram";
import { PROM, SMART_OUTCOMES, SMART_RESULTS } from "./metric-names";
import type { MetricState, MetricsOptions } from "./metrics";
import { registerProcessMetrics } from "./process-metrics";

/**
 * The Prometheus registry, built on the first scrape from the plain numbers in `MetricState`.
 * Durations are kept in milliseconds and exposed in seconds, as Prometheus names them.
 */

const seconds = (milliseconds: number) => milliseconds / 1000;

/** One histogram in the shape of `registry.getMetricsAsJSON()`: cumulative buckets, sum, count. */
function histogramJson(name: string, help: string, all: Iterable<DurationSeries>) {
  const values: { labels: Record<string, string | number>; value: number; metricName: string }[] =
    [];
  for (const series of all) {
    let cumulative = 0;
    series.boundsMs.forEach((bound, i) => {
      cumulative += series.buckets[i] ?? 0;
      const labels = { ...series.labels, le: seconds(bound) };
      values.push({ labels, value: cumulative, metricName: `${name}_bucket` });
    });
    const labels = series.labels;
    values.push({
      labels: { ...labels, le: "+Inf" },
      value: series.count,
      metricName: `${name}_bucket`,
    });
    values.push({ labels, value: seconds(series.sumMs), metricName: `${name}_sum` });
    values.push({ labels, value: series.count, metricName: `${name}_count` });
  }
  return { name, help, type: "histogram", aggregator: "sum", values };
}

export interface Exporter {
  contentType: string;
  metrics(): Promise<string>;
}

/**
 * The histograms live outside prom-client, so each scrape hands them over as metric JSON
 * through `AggregatorRegistry.aggregate`, prom-client's public door for metrics gathered
 * elsewhere, and merges them with the registry of counters, gauges and process metrics.
 */
export async function createExporter(
  state: MetricState,
  options: MetricsOptions,
): Promise<Exporter> {
  const registry = new Registry();
  const registers = [registry];
  new Gauge({
    name: PROM.httpInFlight,
    help: "Requests received and not yet answered",
    registers,
    collect() {
      this.set(state.inFlight);
    },
  });
  new Counter({
    name: PROM.smartUpstreamRequests,
    help: "Upstream attempts of /api/smart, by outcome",
    labelNames: ["outcome"],
    registers,
    collect() {
      this.reset();
      for (const outcome of SMART_OUTCOMES) this.inc({ outcome }, state.attempts[outcome]);
    },
  });
  new Counter({
    name: PROM.smartHedgesFired,
    help: "Hedge requests fired by /api/smart",
    registers,
    collect() {
      this.reset();
      this.inc(state.hedges);
    },
  });
  new Counter({
    name: PROM.smartResponses,
    help: "How /api/smart requests ended: first attempt won, a hedge won, deadline, all failed",
    labelNames: ["result"],
    registers,
    collect() {
      this.reset();
      for (const result of SMART_RESULTS) this.inc({ result }, state.responses[result]);
    },
  });
  new Gauge({
    name: PROM.smartHedgeDelay,
    help: "The delay after which /api/smart fires its hedges now: fixed, or a percentile of recent upstream latencies",
    registers,
    collect() {
      this.set(state.hedgeDelayMs / 1000);
    },
  });
  new Gauge({
    name: PROM.smartHedgeBudgetTokens,
    help: "Extra upstream attempts the hedge budget allows now; NaN without a budget",
    registers,
    collect() {
      this.set(state.hedgeBudgetTokens);
    },
  });
  const { endpointCount } = options;
  if (endpointCount) {
    new Gauge({
      name: PROM.echoEndpoints,
      help: "Echo mock endpoints in the store",
      registers,
      async collect() {
        try {
          this.set(await endpointCount());
        } catch {
          // Unknown, rather than a stale or made-up count, when the store cannot answer.
          this.set(Number.NaN);
        }
      },
    });
  }
  if (options.processMetrics) await registerProcessMetrics(registry);

  const histograms = () =>
    AggregatorRegistry.aggregate<PrometheusContentType>([
      [
        histogramJson(
          PROM.httpDuration,
          "Time from receiving a request to handing back its response, by route template",
          state.requests.all(),
        ),
        histogramJson(
          PROM.smartUpstreamDuration,
          "Duration of each upstream attempt of /api/smart, whatever its outcome",
          [state.upstream],
        ),
      ],
    ]);
  return {
    contentType: registry.contentType,
    metrics: () => Registry.merge([registry, histograms()]).metrics(),
  };
}
