import type { Metric, Registry } from "prom-client";
import type { Config } from "../config";
import { HTTP_METHODS } from "../http-methods";
import { createEmfWriter, type EmfSink, type EmfWriter } from "./emf";
import {
  PROM,
  ROUTE_MOCK,
  ROUTE_UNMATCHED,
  SMART_OUTCOMES,
  SMART_RESULTS,
  type SmartOutcome,
  type SmartResult,
} from "./metric-names";

/**
 * The one metrics module. The request path only touches plain numbers here: the histogram is a
 * few typed arrays found through cached maps, so recording a request costs tens of nanoseconds
 * (prom-client's own `observe` builds a label hash per call, about 340 ns). prom-client is
 * loaded on the first scrape and reads these numbers, so start-up pays nothing for it, and a
 * Lambda instance, which is never scraped, never loads it.
 */

/** Seconds: from `/time`'s tens of microseconds to the 10 s bound of an upstream attempt. */
export const HTTP_DURATION_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Seconds, dense around the upstream's 100–600 ms and the 300 ms hedge delay. */
export const UPSTREAM_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 2.5, 5, 10,
];

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

/** What `/api/smart` reports; the smart feature's `SmartMetrics` has this shape. */
export interface SmartRecorder {
  attempt(outcome: SmartOutcome, seconds: number): void;
  hedgesFired(count: number): void;
  response(result: SmartResult): void;
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
  readonly smart: SmartRecorder;
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
  /** Adds the process metrics that are accurate under Bun (see `registerProcessMetrics`). */
  processMetrics?: boolean;
}

/** One label set of a histogram: per-bucket counts (not cumulative), sum and count. */
class HistogramSeries {
  readonly buckets: Float64Array;
  sumMs = 0;
  count = 0;
  constructor(
    readonly labels: Readonly<Record<string, string>>,
    size: number,
  ) {
    this.buckets = new Float64Array(size);
  }
}

/** A histogram kept in milliseconds, so the hot path neither divides nor allocates. */
class FastHistogram {
  private readonly boundsMs: number[];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {
    this.boundsMs = bounds.map((seconds) => seconds * 1000);
  }

  series(labels: Readonly<Record<string, string>>): HistogramSeries {
    return new HistogramSeries(labels, this.boundsMs.length);
  }

  observe(series: HistogramSeries, milliseconds: number): void {
    let index = 0;
    for (const bound of this.boundsMs) {
      if (milliseconds <= bound) break;
      index++;
    }
    const current = series.buckets[index];
    if (current !== undefined) series.buckets[index] = current + 1;
    series.sumMs += milliseconds;
    series.count++;
  }

  /** The series in prom-client's collector shape: cumulative buckets, then `+Inf`, sum and count. */
  values(all: Iterable<HistogramSeries>) {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] =
      [];
    const bucketName = `${this.name}_bucket`;
    for (const series of all) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.buckets[i] ?? 0;
        values.push({
          labels: { ...series.labels, le: bound },
          value: cumulative,
          metricName: bucketName,
        });
      });
      values.push({
        labels: { ...series.labels, le: "+Inf" },
        value: series.count,
        metricName: bucketName,
      });
      values.push({
        labels: { ...series.labels },
        value: series.sumMs / 1000,
        metricName: `${this.name}_sum`,
      });
      values.push({
        labels: { ...series.labels },
        value: series.count,
        metricName: `${this.name}_count`,
      });
    }
    return values;
  }

  /** A prom-client collector: the registry only reads `name`, `help`, `type` and `get()`. */
  collector(all: () => Iterable<HistogramSeries>): Metric {
    const collector = {
      name: this.name,
      help: this.help,
      type: "histogram",
      aggregator: "sum",
      get: async () => ({
        name: this.name,
        help: this.help,
        type: "histogram",
        aggregator: "sum",
        values: this.values(all()),
      }),
      reset: () => {},
    };
    return collector as unknown as Metric;
  }
}

/** Request durations by route, then method, then status: three map reads, no key building. */
type RequestSeriesIndex = Map<string, Map<string, Map<number, HistogramSeries>>>;

function* allSeries(index: RequestSeriesIndex): Iterable<HistogramSeries> {
  for (const byMethod of index.values()) {
    for (const byStatus of byMethod.values()) yield* byStatus.values();
  }
}

const countsOf = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const emf: EmfWriter | undefined = options.config?.metricsEmf
    ? createEmfWriter({ namespace: options.config.metricsNamespace, sink: options.emfSink })
    : undefined;

  const httpDuration = new FastHistogram(
    PROM.httpDuration,
    "Time from receiving a request to handing back its response, by route template",
    HTTP_DURATION_BUCKETS,
  );
  const requests: RequestSeriesIndex = new Map();
  let inFlight = 0;

  const seriesFor = (method: string, route: string, status: number): HistogramSeries => {
    let byMethod = requests.get(route);
    if (!byMethod) {
      byMethod = new Map();
      requests.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let series = byStatus.get(status);
    if (!series) {
      series = httpDuration.series({ method, route, status: String(status) });
      byStatus.set(status, series);
    }
    return series;
  };

  const upstreamDuration = new FastHistogram(
    PROM.smartUpstreamDuration,
    "Duration of each upstream attempt of /api/smart, whatever its outcome",
    UPSTREAM_DURATION_BUCKETS,
  );
  const upstreamSeries = upstreamDuration.series({});
  const attempts = countsOf(SMART_OUTCOMES);
  const responses = countsOf(SMART_RESULTS);
  let hedges = 0;

  const smart: SmartRecorder = {
    attempt(outcome, seconds) {
      attempts[outcome]++;
      upstreamDuration.observe(upstreamSeries, seconds * 1000);
      emf?.attempt(outcome, seconds * 1000);
    },
    hedgesFired(count) {
      hedges += count;
      emf?.hedgesFired(count);
    },
    response(result) {
      responses[result]++;
      emf?.response(result);
    },
  };

  const buildRegistry = async (): Promise<Registry> => {
    const prom = await import("prom-client");
    const registry = new prom.Registry();
    const registers = [registry];
    registry.registerMetric(httpDuration.collector(() => allSeries(requests)));
    new prom.Gauge({
      name: PROM.httpInFlight,
      help: "Requests received and not yet answered",
      registers,
      collect() {
        this.set(inFlight);
      },
    });
    new prom.Counter({
      name: PROM.smartUpstreamRequests,
      help: "Upstream attempts of /api/smart, by outcome",
      labelNames: ["outcome"],
      registers,
      collect() {
        this.reset();
        for (const outcome of SMART_OUTCOMES) this.inc({ outcome }, attempts[outcome]);
      },
    });
    registry.registerMetric(upstreamDuration.collector(() => [upstreamSeries]));
    new prom.Counter({
      name: PROM.smartHedgesFired,
      help: "Hedge requests fired by /api/smart",
      registers,
      collect() {
        this.reset();
        this.inc(hedges);
      },
    });
    new prom.Counter({
      name: PROM.smartResponses,
      help: "How /api/smart requests ended: first attempt won, a hedge won, deadline, all failed",
      labelNames: ["result"],
      registers,
      collect() {
        this.reset();
        for (const result of SMART_RESULTS) this.inc({ result }, responses[result]);
      },
    });
    const { endpointCount } = options;
    if (endpointCount) {
      new prom.Gauge({
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
    return registry;
  };

  let registry: Promise<Registry> | undefined;

  return {
    requestStarted() {
      inFlight++;
    },
    requestFinished(method, route, status, milliseconds) {
      inFlight--;
      const methodLabel = KNOWN_METHODS.has(method) ? method : OTHER_METHOD;
      httpDuration.observe(seriesFor(methodLabel, route, status), milliseconds);
      emf?.request(route, methodLabel, status, milliseconds);
    },
    smart,
    async scrape() {
      registry ??= buildRegistry();
      const ready = await registry;
      return { contentType: ready.contentType, body: await ready.metrics() };
    },
    flush() {
      emf?.flush();
    },
  };
}

/**
 * prom-client's default metrics, checked one by one under Bun 1.4.5. Kept: CPU time, start
 * time, resident and virtual memory, open and maximum file descriptors, and event-loop lag (a
 * 300 ms block reads as 0.299 s). Left out because they misreport under Bun: the heap figures
 * (`process.memoryUsage()` gives a `heapUsed` that stays frozen between collections and exceeds
 * `heapTotal`), GC durations (no GC is ever observed), V8 heap spaces (JavaScriptCore has none;
 * all but one read 0), active handles, requests and resources (0 with a server, a socket and a
 * timer open), `process_heap_bytes` (VmData: gigabytes of address space JavaScriptCore reserves,
 * not heap), and `nodejs_version_info` (Bun's Node.js compatibility version).
 */
const EVENT_LOOP_RESOLUTION_MS = 10;

async function registerProcessMetrics(registry: Registry): Promise<void> {
  const prom = await import("prom-client");
  const modules = await Promise.all([
    import("prom-client/lib/metrics/processStartTime"),
    import("prom-client/lib/metrics/osMemoryHeap"),
    import("prom-client/lib/metrics/processOpenFileDescriptors"),
    import("prom-client/lib/metrics/processMaxFileDescriptors"),
    import("prom-client/lib/metrics/eventLoopLag"),
  ]);
  for (const module of modules) {
    module.default(registry, { eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  }
  registry.removeSingleMetric("process_heap_bytes");
  // The lag monitor starts now; a few samples make the first scrape report them, not an empty histogram.
  await Bun.sleep(3 * EVENT_LOOP_RESOLUTION_MS);

  // prom-client's CPU counters count from their registration, which here is the first scrape.
  const registers = [registry];
  const user = new prom.Counter({
    name: "process_cpu_user_seconds_total",
    help: "Total user CPU time spent in seconds.",
    registers,
    collect() {
      const usage = process.cpuUsage();
      user.reset();
      user.inc(usage.user / 1e6);
      system.reset();
      system.inc(usage.system / 1e6);
      total.reset();
      total.inc((usage.user + usage.system) / 1e6);
    },
  });
  const system = new prom.Counter({
    name: "process_cpu_system_seconds_total",
    help: "Total system CPU time spent in seconds.",
    registers,
  });
  const total = new prom.Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers,
  });
}
