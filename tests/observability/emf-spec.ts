/**
 * The required fields and limits of the CloudWatch Embedded Metric Format specification
 * ("Specification: Embedded metric format", Amazon CloudWatch User Guide), as a checker that
 * returns every violation it finds in one log line.
 */

const UNITS = new Set([
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None",
]);

/** CloudWatch Logs' limit on one event. */
const MAX_EVENT_BYTES = 256 * 1024;
const MAX_METRICS_PER_DIRECTIVE = 100;
const MAX_VALUES_PER_METRIC = 100;
const MAX_DIMENSIONS_PER_SET = 30;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isName = (value: unknown): value is string =>
  typeof value === "string" && value.length >= 1 && value.length <= 255;

/** Every way `line` breaks the specification; empty when it is a valid EMF document. */
export function emfViolations(line: string): string[] {
  const problems: string[] = [];
  if (Buffer.byteLength(line) > MAX_EVENT_BYTES) problems.push("the line exceeds 256 KB");
  let root: unknown;
  try {
    root = JSON.parse(line);
  } catch {
    return ["the line is not one JSON value"];
  }
  if (!isObject(root)) return ["the root is not a JSON object"];
  const aws = root._aws;
  if (!isObject(aws)) return ["_aws is missing or not an object"];
  if (!Number.isInteger(aws.Timestamp) || (aws.Timestamp as number) < 1e12) {
    problems.push("_aws.Timestamp is not an integer of milliseconds since the epoch");
  }
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [...problems, "_aws.CloudWatchMetrics is not an array"];

  directives.forEach((directive: unknown, d) => {
    const at = `CloudWatchMetrics[${d}]`;
    if (!isObject(directive)) {
      problems.push(`${at} is not an object`);
      return;
    }
    for (const key of Object.keys(directive)) {
      if (!["Namespace", "Dimensions", "Metrics"].includes(key)) {
        problems.push(`${at} has the unknown member ${key}`);
      }
    }
    if (!isName(directive.Namespace))
      problems.push(`${at}.Namespace is not a 1–255 character string`);

    const dimensionSets = directive.Dimensions;
    if (!Array.isArray(dimensionSets) || dimensionSets.length === 0) {
      problems.push(`${at}.Dimensions is not a non-empty array of dimension sets`);
    } else {
      dimensionSets.forEach((set: unknown, s) => {
        if (!Array.isArray(set) || set.length > MAX_DIMENSIONS_PER_SET) {
          problems.push(`${at}.Dimensions[${s}] is not an array of at most 30 keys`);
          return;
        }
        for (const key of set) {
          if (!isName(key)) problems.push(`${at}.Dimensions[${s}] holds a key that is not a name`);
          else if (typeof root[key] !== "string") {
            problems.push(`dimension ${key} has no string member on the root`);
          }
        }
      });
    }

    const metrics = directive.Metrics;
    if (!Array.isArray(metrics) || metrics.length > MAX_METRICS_PER_DIRECTIVE) {
      problems.push(`${at}.Metrics is not an array of at most 100 definitions`);
      return;
    }
    metrics.forEach((metric: unknown, m) => {
      if (!isObject(metric) || !isName(metric.Name)) {
        problems.push(`${at}.Metrics[${m}] has no Name`);
        return;
      }
      if (metric.Unit !== undefined && !UNITS.has(metric.Unit as string)) {
        problems.push(`${at}.Metrics[${m}].Unit ${String(metric.Unit)} is not a CloudWatch unit`);
      }
      if (
        metric.StorageResolution !== undefined &&
        ![1, 60].includes(metric.StorageResolution as number)
      ) {
        problems.push(`${at}.Metrics[${m}].StorageResolution is neither 1 nor 60`);
      }
      const target = root[metric.Name];
      const numeric = (v: unknown) => typeof v === "number" && Number.isFinite(v);
      if (Array.isArray(target)) {
        if (target.length > MAX_VALUES_PER_METRIC || !target.every(numeric)) {
          problems.push(`metric ${metric.Name} is not an array of at most 100 numbers`);
        }
      } else if (!numeric(target)) {
        problems.push(`metric ${metric.Name} has no numeric member on the root`);
      }
    });
  });
  return problems;
}

/** The EMF documents among log lines: the lines carrying `_aws`. */
export const emfLines = (output: string) =>
  output.split("\n").filter((line) => line.startsWith("{") && line.includes('"_aws"'));
