import {
  EMF,
  SMART_OUTCOMES,
  SMART_RESULTS,
  type SmartOutcome,
  type SmartResult,
  smartResultMetricName,
  upstreamMetricName,
} from "./metric-names";
import { writeStdout } from "./stdout";

/**
 * CloudWatch Embedded Metric Format: metrics carried by JSON lines on stdout, which CloudWatch
 * Logs turns into metrics. No API call in the request path and no `cloudwatch:PutMetricData`.
 * Hand-written: `aws-embedded-metrics` crashes off Lambda with no agent and costs ~6 µs a request;
 * Powertools adds a `service` dimension the dashboards do not query (docs/observability.md).
 *
 * Requests are grouped by route and method and written once per event-loop turn, like the
 * logger's lines: a busy instance writes one line per group per turn, an idle one a line per
 * request, and nothing waits in memory past the turn that produced it.
 */

export type EmfSink = (chunk: string) => unknown;

export interface EmfWriter {
  /** One answered request; `route` is already a bounded label. */
  request(route: string, method: string, status: number, milliseconds: number): void;
  /** One upstream attempt of `/api/smart`. */
  attempt(outcome: SmartOutcome, milliseconds: number): void;
  hedgesFired(count: number): void;
  response(result: SmartResult): void;
  /** The hedge delay and the budget's whole tokens now (`undefined`: no budget). */
  hedging(delayMs: number, budgetTokens: number | undefined): void;
  /** Writes whatever is buffered; called at shutdown. */
  flush(): void;
}

export interface EmfOptions {
  namespace: string;
  sink?: EmfSink;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

/** The specification caps a metric's value array at 100 entries. */
export const MAX_VALUES_PER_METRIC = 100;

const stdoutSink: EmfSink = writeStdout;

const COUNT = "Count";
const MILLISECONDS = "Milliseconds";

/** Requests of one route and method since the last line. */
interface RequestGroup {
  /** The line's constant middle: directive, dimensions, and the opening of `Latency`. */
  readonly middle: string;
  readonly latencies: number[];
  errors4xx: number;
  errors5xx: number;
}

const roundMicros = (ms: number) => Math.round(ms * 1000) / 1000;

export function createEmfWriter(options: EmfOptions): EmfWriter {
  const { namespace, sink = stdoutSink, now = Date.now } = options;
  const groups = new Map<string, Map<string, RequestGroup>>();
  /** Groups holding at least one request, in the order they got it. */
  const pending: RequestGroup[] = [];
  let lines = "";
  let scheduled = false;

  const upstreamCounts = new Array<number>(SMART_OUTCOMES.length).fill(0);
  const resultCounts = new Array<number>(SMART_RESULTS.length).fill(0);
  const upstreamLatencies: number[] = [];
  let hedges = 0;
  let hedgeDelayMs: number | undefined;
  let hedgeBudgetTokens: number | undefined;
  let smartTouched = false;

  const requestDirective = JSON.stringify([
    {
      Namespace: namespace,
      Dimensions: [[EMF.dimensions.route, EMF.dimensions.method]],
      Metrics: [
        { Name: EMF.latency, Unit: MILLISECONDS },
        { Name: EMF.requests, Unit: COUNT },
        { Name: EMF.errors4xx, Unit: COUNT },
        { Name: EMF.errors5xx, Unit: COUNT },
      ],
    },
  ]);

  const groupFor = (route: string, method: string): RequestGroup => {
    let byMethod = groups.get(route);
    if (!byMethod) {
      byMethod = new Map();
      groups.set(route, byMethod);
    }
    let group = byMethod.get(method);
    if (!group) {
      const dimensions = `${JSON.stringify(EMF.dimensions.route)}:${JSON.stringify(route)},${JSON.stringify(EMF.dimensions.method)}:${JSON.stringify(method)}`;
      group = {
        middle: `,"CloudWatchMetrics":${requestDirective}},${dimensions},"${EMF.latency}":[`,
        latencies: [],
        errors4xx: 0,
        errors5xx: 0,
      };
      byMethod.set(method, group);
    }
    return group;
  };

  const writeGroup = (group: RequestGroup, timestamp: number) => {
    const count = group.latencies.length;
    lines += `{"_aws":{"Timestamp":${timestamp}${group.middle}${group.latencies.join(",")}],"${EMF.requests}":${count},"${EMF.errors4xx}":${group.errors4xx},"${EMF.errors5xx}":${group.errors5xx}}\n`;
    group.latencies.length = 0;
    group.errors4xx = 0;
    group.errors5xx = 0;
  };

  const writeSmart = (timestamp: number) => {
    const metrics: { Name: string; Unit: string }[] = [];
    const document: Record<string, unknown> = {};
    SMART_OUTCOMES.forEach((outcome, i) => {
      metrics.push({ Name: upstreamMetricName(outcome), Unit: COUNT });
      document[upstreamMetricName(outcome)] = upstreamCounts[i];
    });
    if (upstreamLatencies.length > 0) {
      metrics.push({ Name: EMF.upstreamLatency, Unit: MILLISECONDS });
      document[EMF.upstreamLatency] = upstreamLatencies.slice();
    }
    metrics.push({ Name: EMF.hedgesFired, Unit: COUNT });
    document[EMF.hedgesFired] = hedges;
    if (hedgeDelayMs !== undefined) {
      metrics.push({ Name: EMF.hedgeDelay, Unit: MILLISECONDS });
      document[EMF.hedgeDelay] = roundMicros(hedgeDelayMs);
    }
    if (hedgeBudgetTokens !== undefined) {
      metrics.push({ Name: EMF.hedgeBudgetTokens, Unit: COUNT });
      document[EMF.hedgeBudgetTokens] = hedgeBudgetTokens;
    }
    SMART_RESULTS.forEach((result, i) => {
      metrics.push({ Name: smartResultMetricName(result), Unit: COUNT });
      document[smartResultMetricName(result)] = resultCounts[i];
    });
    // Upstream health belongs to the service, not to a route: no dimensions.
    const aws = {
      Timestamp: timestamp,
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[]], Metrics: metrics }],
    };
    lines += `${JSON.stringify({ _aws: aws, ...document })}\n`;
    upstreamCounts.fill(0);
    resultCounts.fill(0);
    upstreamLatencies.length = 0;
    hedges = 0;
    hedgeDelayMs = undefined;
    hedgeBudgetTokens = undefined;
    smartTouched = false;
  };

  const flush = () => {
    scheduled = false;
    const timestamp = now();
    for (const group of pending) writeGroup(group, timestamp);
    pending.length = 0;
    if (smartTouched) writeSmart(timestamp);
    if (lines === "") return;
    const chunk = lines;
    lines = "";
    sink(chunk);
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  const touchSmart = () => {
    smartTouched = true;
    schedule();
  };

  return {
    request(route, method, status, milliseconds) {
      const group = groupFor(route, method);
      if (group.latencies.length === 0) pending.push(group);
      group.latencies.push(roundMicros(milliseconds));
      if (status >= 500) group.errors5xx++;
      else if (status >= 400) group.errors4xx++;
      if (group.latencies.length === MAX_VALUES_PER_METRIC) {
        writeGroup(group, now());
        pending.splice(pending.indexOf(group), 1);
      }
      schedule();
    },
    attempt(outcome, milliseconds) {
      const index = SMART_OUTCOMES.indexOf(outcome);
      upstreamCounts[index] = (upstreamCounts[index] ?? 0) + 1;
      upstreamLatencies.push(roundMicros(milliseconds));
      touchSmart();
      if (upstreamLatencies.length === MAX_VALUES_PER_METRIC) writeSmart(now());
    },
    hedgesFired(count) {
      hedges += count;
      touchSmart();
    },
    response(result) {
      const index = SMART_RESULTS.indexOf(result);
      resultCounts[index] = (resultCounts[index] ?? 0) + 1;
      touchSmart();
    },
    // A gauge rides on the turn's smart line; on its own it is not worth one.
    hedging(delayMs, budgetTokens) {
      hedgeDelayMs = delayMs;
      hedgeBudgetTokens = budgetTokens;
    },
    flush,
  };
}
