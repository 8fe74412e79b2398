import { cloudwatch } from "@pulumi/aws";
import { all, type CustomResourceOptions, type Output } from "@pulumi/pulumi";
import {
  EMF,
  SMART_OUTCOMES,
  SMART_RESULTS,
  smartResultMetricName,
  upstreamMetricName,
} from "../src/observability/metric-names";
import type { StageSettings } from "./settings";

export const ALARM_THRESHOLDS = {
  /** Share of requests answered with a 5xx, in percent. */
  serverErrorRatePercent: 5,
  /** Gateway-measured p99, in milliseconds; /api/smart alone may take a few seconds. */
  latencyP99Ms: 5000,
  /** Throttled invocations per minute above which the alarm fires. */
  throttles: 0,
} as const;

const PERIOD_SECONDS = 60;

/** A dashboard SEARCH over one metric of the request schema, one line per route and method. */
function requestSearch(namespace: string, metric: string, stat: string): string {
  const { method, route } = EMF.dimensions;
  return `SEARCH('{"${namespace}",${method},${route}} MetricName="${metric}"', '${stat}', ${PERIOD_SECONDS})`;
}

/** A dashboard SEARCH over several metric names in the namespace, whatever their dimensions. */
function namedSearch(namespace: string, metrics: readonly string[], stat: string): string {
  const names = metrics.map((m) => `"${m}"`).join(" OR ");
  return `SEARCH('{"${namespace}"} MetricName=(${names})', '${stat}', ${PERIOD_SECONDS})`;
}

export interface DashboardInput {
  namespace: string;
  region: string;
  functionName: string;
  apiId: string;
  alarmArns: string[];
}

type Widget = {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: object;
};

export function dashboardBody(input: DashboardInput): { widgets: Widget[] } {
  const { namespace, region, functionName, apiId } = input;
  const graph = (title: string, metrics: unknown[][], extra: object = {}) => ({
    title,
    region,
    view: "timeSeries",
    stacked: false,
    period: PERIOD_SECONDS,
    metrics,
    ...extra,
  });
  const expression = (id: string, expr: string, label: string) => [{ id, expression: expr, label }];
  const layout: Array<Omit<Widget, "x" | "y" | "width" | "height">> = [
    {
      type: "metric",
      properties: graph("Requests by route", [
        expression("requests", requestSearch(namespace, EMF.requests, "Sum"), ""),
      ]),
    },
    {
      type: "metric",
      properties: graph("Latency p50 and p99 by route (ms)", [
        expression("p50", requestSearch(namespace, EMF.latency, "p50"), "p50"),
        expression("p99", requestSearch(namespace, EMF.latency, "p99"), "p99"),
      ]),
    },
    {
      type: "metric",
      properties: graph("4xx and 5xx by route", [
        expression("errors4xx", requestSearch(namespace, EMF.errors4xx, "Sum"), "4xx"),
        expression("errors5xx", requestSearch(namespace, EMF.errors5xx, "Sum"), "5xx"),
      ]),
    },
    {
      type: "metric",
      properties: graph("Upstream attempts by outcome", [
        expression(
          "upstream",
          namedSearch(namespace, SMART_OUTCOMES.map(upstreamMetricName), "Sum"),
          "",
        ),
      ]),
    },
    {
      type: "metric",
      properties: graph("/api/smart: hedges fired and how requests ended", [
        expression(
          "smart",
          namedSearch(
            namespace,
            [EMF.hedgesFired, ...SMART_RESULTS.map(smartResultMetricName)],
            "Sum",
          ),
          "",
        ),
      ]),
    },
    {
      type: "metric",
      properties: graph("Lambda", [
        ["AWS/Lambda", "Invocations", "FunctionName", functionName, { stat: "Sum" }],
        ["AWS/Lambda", "Errors", "FunctionName", functionName, { stat: "Sum" }],
        ["AWS/Lambda", "Throttles", "FunctionName", functionName, { stat: "Sum" }],
        ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", functionName, { stat: "Maximum" }],
      ]),
    },
    {
      type: "metric",
      properties: graph("API Gateway", [
        ["AWS/ApiGateway", "Count", "ApiId", apiId, { stat: "Sum" }],
        ["AWS/ApiGateway", "4xx", "ApiId", apiId, { stat: "Sum" }],
        ["AWS/ApiGateway", "5xx", "ApiId", apiId, { stat: "Sum" }],
        ["AWS/ApiGateway", "Latency", "ApiId", apiId, { stat: "p99", yAxis: "right" }],
      ]),
    },
    { type: "alarm", properties: { title: "Alarms", alarms: input.alarmArns } },
  ];
  const width = 12;
  const height = 6;
  return {
    widgets: layout.map((widget, i) => ({
      ...widget,
      x: (i % 2) * width,
      y: Math.floor(i / 2) * height,
      width,
      height,
    })),
  };
}

/** A per-minute sum of one HTTP API metric; API Gateway counts every request, gateway errors too. */
function gatewaySum(id: string, metricName: string, apiId: Output<string>) {
  return {
    id,
    metric: {
      namespace: "AWS/ApiGateway",
      metricName,
      dimensions: { ApiId: apiId },
      period: PERIOD_SECONDS,
      stat: "Sum",
    },
    returnData: false,
  };
}

export interface MonitoringInput {
  settings: StageSettings;
  region: Output<string>;
  functionName: Output<string>;
  apiId: Output<string>;
}

export function monitoring(input: MonitoringInput, opts: CustomResourceOptions = {}) {
  const { settings } = input;
  const namespace = settings.metricsNamespace;
  const prefix = settings.resourcePrefix;

  const serverErrorRate = new cloudwatch.MetricAlarm(
    "ServerErrorRateAlarm",
    {
      name: `${prefix}-5xx-rate`,
      alarmDescription: `More than ${ALARM_THRESHOLDS.serverErrorRatePercent}% of requests answered with a 5xx`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: ALARM_THRESHOLDS.serverErrorRatePercent,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      // Plain metric queries and math (PutMetricAlarm's Metrics array): a Metrics Insights query
      // is limited to one per GetMetricData operation, so two of them cannot feed one expression.
      metricQueries: [
        gatewaySum("errors", "5xx", input.apiId),
        gatewaySum("requests", "Count", input.apiId),
        {
          id: "rate",
          expression: "IF(requests > 0, 100 * errors / requests, 0)",
          label: "5xx rate (%)",
          returnData: true,
        },
      ],
    },
    opts,
  );

  // Percentiles of separate Route/Method series cannot be combined, so the service-wide p99
  // comes from API Gateway, which times every request; per-route p99 is on the dashboard.
  const latencyP99 = new cloudwatch.MetricAlarm(
    "LatencyP99Alarm",
    {
      name: `${prefix}-latency-p99`,
      alarmDescription: `p99 latency above ${ALARM_THRESHOLDS.latencyP99Ms} ms`,
      namespace: "AWS/ApiGateway",
      metricName: "Latency",
      dimensions: { ApiId: input.apiId },
      extendedStatistic: "p99",
      period: PERIOD_SECONDS,
      comparisonOperator: "GreaterThanThreshold",
      threshold: ALARM_THRESHOLDS.latencyP99Ms,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
    },
    opts,
  );

  const throttles = new cloudwatch.MetricAlarm(
    "ThrottleAlarm",
    {
      name: `${prefix}-throttles`,
      alarmDescription: "Lambda throttled invocations",
      namespace: "AWS/Lambda",
      metricName: "Throttles",
      dimensions: { FunctionName: input.functionName },
      statistic: "Sum",
      period: PERIOD_SECONDS,
      comparisonOperator: "GreaterThanThreshold",
      threshold: ALARM_THRESHOLDS.throttles,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    },
    opts,
  );

  const alarms = { serverErrorRate, latencyP99, throttles };
  const dashboard = new cloudwatch.Dashboard(
    "Dashboard",
    {
      dashboardName: prefix,
      dashboardBody: all([
        input.region,
        input.functionName,
        input.apiId,
        serverErrorRate.arn,
        latencyP99.arn,
        throttles.arn,
      ]).apply(([region, functionName, apiId, ...alarmArns]) =>
        JSON.stringify(dashboardBody({ namespace, region, functionName, apiId, alarmArns })),
      ),
    },
    opts,
  );
  const dashboardUrl = input.region.apply(
    (region) =>
      `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${prefix}`,
  );
  return { alarms, dashboard, dashboardUrl };
}
