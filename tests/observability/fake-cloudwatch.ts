/**
 * A local CloudWatch for tests: a real HTTP server on 127.0.0.1 that speaks the protocol the
 * installed @aws-sdk/client-cloudwatch speaks. That is AWS JSON 1.0 (`POST /` with
 * `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`, `application/x-amz-json-1.0`,
 * timestamps in epoch seconds), with the query-compatible error header.
 *
 * Its data comes in the way production data does: EMF log lines, turned into datapoints as
 * CloudWatch Logs does (every dimension set of every directive, each value of an array a sample).
 * ListMetrics and GetMetricData then answer from those datapoints.
 */

interface Datapoint {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Milliseconds since the epoch. */
  timestamp: number;
  value: number;
}

interface Dimension {
  Name: string;
  Value?: string;
}

export interface FakeCloudWatch {
  readonly endpoint: string;
  /** Every operation received, in order, e.g. `ListMetrics`. */
  readonly operations: string[];
  /** Stores the metrics of EMF log lines, the way CloudWatch Logs extracts them. */
  ingestEmf(lines: string[]): void;
  stop(): Promise<void>;
}

const TARGET_PREFIX = "GraniteServiceVersion20100801.";
const JSON_TYPE = "application/x-amz-json-1.0";
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;
const MAX_QUERIES = 500;
const THREE_HOURS_MS = 3 * 60 * 60 * 1000;

class ServiceError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const identity = (namespace: string, metricName: string, dimensions: Record<string, string>) =>
  JSON.stringify([
    namespace,
    metricName,
    Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)),
  ]);

const asDimensionMap = (dimensions: Dimension[] = []) =>
  Object.fromEntries(dimensions.map((d) => [d.Name, d.Value ?? ""]));

/** The statistics this fake computes; CloudWatch has more. Percentiles are nearest-rank. */
function statistic(stat: string, values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  switch (stat) {
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "SampleCount":
      return values.length;
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "Minimum":
      return sorted[0] ?? 0;
    case "Maximum":
      return sorted.at(-1) ?? 0;
  }
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(stat);
  if (!percentile)
    throw new ServiceError("InvalidParameterValue", 400, `Unsupported statistic ${stat}`);
  const rank = Math.ceil((Number(percentile[1]) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] ?? 0;
}

export function startFakeCloudWatch(options: { listPageSize?: number } = {}): FakeCloudWatch {
  const pageSize = options.listPageSize ?? 500;
  const datapoints: Datapoint[] = [];
  const operations: string[] = [];

  const listMetrics = (input: {
    Namespace?: string;
    MetricName?: string;
    Dimensions?: Dimension[];
    RecentlyActive?: string;
    NextToken?: string;
  }) => {
    const since = input.RecentlyActive === "PT3H" ? Date.now() - THREE_HOURS_MS : -Infinity;
    const metrics = new Map<
      string,
      { Namespace: string; MetricName: string; Dimensions: Dimension[] }
    >();
    for (const point of datapoints) {
      if (input.Namespace !== undefined && point.namespace !== input.Namespace) continue;
      if (input.MetricName !== undefined && point.metricName !== input.MetricName) continue;
      if (point.timestamp < since) continue;
      const filters = input.Dimensions ?? [];
      if (
        !filters.every(
          (f) =>
            f.Name in point.dimensions &&
            (f.Value === undefined || point.dimensions[f.Name] === f.Value),
        )
      ) {
        continue;
      }
      metrics.set(identity(point.namespace, point.metricName, point.dimensions), {
        Namespace: point.namespace,
        MetricName: point.metricName,
        Dimensions: Object.entries(point.dimensions).map(([Name, Value]) => ({ Name, Value })),
      });
    }
    const all = [...metrics.values()];
    const offset = Number(input.NextToken ?? 0);
    const page = all.slice(offset, offset + pageSize);
    const next = offset + pageSize < all.length ? String(offset + pageSize) : undefined;
    return { Metrics: page, ...(next ? { NextToken: next } : {}) };
  };

  const getMetricData = (input: {
    MetricDataQueries?: {
      Id: string;
      ReturnData?: boolean;
      Expression?: string;
      MetricStat?: {
        Metric: { Namespace: string; MetricName: string; Dimensions?: Dimension[] };
        Period: number;
        Stat: string;
      };
    }[];
    StartTime: number;
    EndTime: number;
  }) => {
    const queries = input.MetricDataQueries ?? [];
    if (queries.length === 0 || queries.length > MAX_QUERIES) {
      throw new ServiceError(
        "InvalidParameterValue",
        400,
        "MetricDataQueries must hold 1 to 500 queries",
      );
    }
    const start = input.StartTime * 1000;
    const end = input.EndTime * 1000;
    if (!(start < end))
      throw new ServiceError(
        "InvalidParameterValue",
        400,
        "The start time must be before the end time",
      );
    const results = queries.map((query) => {
      if (!QUERY_ID.test(query.Id)) {
        throw new ServiceError("ValidationError", 400, `Invalid metric data query id ${query.Id}`);
      }
      const metricStat = query.MetricStat;
      if (!metricStat || query.Expression !== undefined) {
        throw new ServiceError(
          "InvalidParameterValue",
          400,
          "This fake answers MetricStat queries only",
        );
      }
      const { Metric, Period, Stat } = metricStat;
      if (!Number.isInteger(Period) || Period < 1 || (Period >= 60 && Period % 60 !== 0)) {
        throw new ServiceError("InvalidParameterValue", 400, "The period must be a multiple of 60");
      }
      const wanted = identity(
        Metric.Namespace,
        Metric.MetricName,
        asDimensionMap(Metric.Dimensions),
      );
      const buckets = new Map<number, number[]>();
      for (const point of datapoints) {
        if (point.timestamp < start || point.timestamp >= end) continue;
        if (identity(point.namespace, point.metricName, point.dimensions) !== wanted) continue;
        const bucket =
          start + Math.floor((point.timestamp - start) / (Period * 1000)) * Period * 1000;
        buckets.set(bucket, [...(buckets.get(bucket) ?? []), point.value]);
      }
      // TimestampDescending, the default order.
      const timestamps = [...buckets.keys()].sort((a, b) => b - a);
      return {
        Id: query.Id,
        Label: Metric.MetricName,
        Timestamps: timestamps.map((t) => t / 1000),
        Values: timestamps.map((t) => statistic(Stat, buckets.get(t) ?? [])),
        StatusCode: "Complete",
      };
    });
    return {
      MetricDataResults: results.filter((_, i) => queries[i]?.ReturnData !== false),
      Messages: [],
    };
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const requestId = crypto.randomUUID();
      const target = request.headers.get("x-amz-target") ?? "";
      const operation = target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : target;
      operations.push(operation);
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        new Response(JSON.stringify(body), {
          status,
          headers: { "content-type": JSON_TYPE, "x-amzn-requestid": requestId, ...headers },
        });
      try {
        if (request.method !== "POST" || new URL(request.url).pathname !== "/") {
          throw new ServiceError("InvalidAction", 400, "Requests are POST /");
        }
        if (!request.headers.get("authorization")?.startsWith("AWS4-HMAC-SHA256 ")) {
          throw new ServiceError(
            "MissingAuthenticationToken",
            403,
            "Request is missing a SigV4 signature",
          );
        }
        if (request.headers.get("content-type") !== JSON_TYPE) {
          throw new ServiceError(
            "InvalidAction",
            400,
            `Unexpected content type ${request.headers.get("content-type")}`,
          );
        }
        const input = JSON.parse(await request.text());
        switch (operation) {
          case "ListMetrics":
            return reply(200, listMetrics(input));
          case "GetMetricData":
            return reply(200, getMetricData(input));
          default:
            throw new ServiceError("InvalidAction", 400, `Unknown operation ${target}`);
        }
      } catch (error) {
        const failure =
          error instanceof ServiceError
            ? error
            : new ServiceError("InternalServiceError", 500, String(error));
        return reply(
          failure.status,
          { __type: `com.amazonaws.cloudwatch#${failure.code}`, message: failure.message },
          {
            "x-amzn-query-error": `${failure.code};${failure.status >= 500 ? "Receiver" : "Sender"}`,
          },
        );
      }
    },
  });

  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    operations,
    ingestEmf(lines) {
      for (const line of lines) {
        const root = JSON.parse(line) as Record<string, unknown> & {
          _aws: {
            Timestamp: number;
            CloudWatchMetrics: {
              Namespace: string;
              Dimensions: string[][];
              Metrics: { Name: string }[];
            }[];
          };
        };
        for (const directive of root._aws.CloudWatchMetrics) {
          for (const set of directive.Dimensions) {
            const dimensions = Object.fromEntries(set.map((key) => [key, String(root[key])]));
            for (const metric of directive.Metrics) {
              const raw = root[metric.Name];
              for (const value of Array.isArray(raw) ? raw : [raw]) {
                datapoints.push({
                  namespace: directive.Namespace,
                  metricName: metric.Name,
                  dimensions,
                  timestamp: root._aws.Timestamp,
                  value: Number(value),
                });
              }
            }
          }
        }
      }
    },
    stop: () => server.stop(true),
  };
}
