/**
 * `bun run stats` (`make stats`): what the deployed stage did over the last N minutes, read
 * from CloudWatch with GetMetricData. Requests, p50/p90/p99 latency, 4xx and 5xx per route,
 * then the upstream's success rate and the hedge rate of `/api/smart`.
 *
 *   bun run stats [--stage S] [--minutes 60] [--namespace NS] [--region R] [--endpoint URL] [--outputs FILE]
 *
 * The namespace and region come from the deployment outputs (`.sst/outputs.json`, keys
 * `namespace` and `region`) unless flags give them; with --stage, those outputs must be that
 * stage's. Routes are found with ListMetrics.
 */
import { existsSync, readFileSync } from "node:fs";
import {
  CloudWatchClient,
  type MetricDataQuery,
  paginateGetMetricData,
  paginateListMetrics,
} from "@aws-sdk/client-cloudwatch";
import {
  EMF,
  SMART_OUTCOMES,
  SMART_RESULTS,
  type SmartOutcome,
  type SmartResult,
  smartResultMetricName,
  upstreamMetricName,
} from "../src/observability/metric-names";

export interface StatsSettings {
  namespace: string;
  region: string;
  minutes: number;
  endpoint?: string;
}

export class UsageError extends Error {
  override name = "UsageError";
}

const USAGE =
  "usage: bun run stats [--stage S] [--minutes N] [--namespace NS] [--region R] [--endpoint URL] [--outputs FILE]";
const DEFAULT_OUTPUTS = ".sst/outputs.json";
/** GetMetricData takes at most 500 queries per call. */
const MAX_QUERIES_PER_CALL = 500;

function flagsOf(argv: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new UsageError(`unexpected argument "${arg}"\n${USAGE}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${match[1]} needs a value\n${USAGE}`);
    flags[match[1]] = value;
  }
  return flags;
}

/** Flags first, then the deployment outputs, then the AWS environment. */
export function resolveSettings(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): StatsSettings {
  const flags = flagsOf(argv);
  const known = ["stage", "minutes", "namespace", "region", "endpoint", "outputs"];
  const unknown = Object.keys(flags).filter((flag) => !known.includes(flag));
  if (unknown.length > 0) throw new UsageError(`unknown flag --${unknown[0]}\n${USAGE}`);

  const outputsPath = flags.outputs ?? DEFAULT_OUTPUTS;
  let outputs: Record<string, unknown> = {};
  if (existsSync(outputsPath)) {
    try {
      outputs = JSON.parse(readFileSync(outputsPath, "utf8")) as Record<string, unknown>;
    } catch {
      throw new UsageError(`${outputsPath} is not valid JSON`);
    }
  } else if (flags.outputs) {
    throw new UsageError(`${outputsPath} does not exist`);
  }
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  // The file holds the last stage deployed, which need not be the one asked for.
  const usesOutputs = flags.namespace === undefined || flags.region === undefined;
  if (flags.stage !== undefined && usesOutputs && existsSync(outputsPath)) {
    if (outputs.stage !== flags.stage) {
      throw new UsageError(
        `${outputsPath} describes stage "${String(outputs.stage)}", not "${flags.stage}": ` +
          `run \`make build STAGE=${flags.stage}\`, or pass --namespace and --region`,
      );
    }
  }

  const namespace = flags.namespace ?? text(outputs.namespace);
  if (!namespace) {
    throw new UsageError(
      `no namespace: deploy first (it writes ${DEFAULT_OUTPUTS}) or pass --namespace\n${USAGE}`,
    );
  }
  const region = flags.region ?? text(outputs.region) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError(`no region: pass --region or set AWS_REGION\n${USAGE}`);
  const minutes = Number(flags.minutes ?? 60);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60 * 24 * 15) {
    throw new UsageError(`--minutes must be a whole number from 1 to ${60 * 24 * 15}`);
  }
  return { namespace, region, minutes, endpoint: flags.endpoint };
}

export interface RouteKey {
  route: string;
  method: string;
}

export interface RouteStats extends RouteKey {
  requests: number;
  p50: number | undefined;
  p90: number | undefined;
  p99: number | undefined;
  errors4xx: number;
  errors5xx: number;
}

export interface UpstreamStats {
  attempts: Record<SmartOutcome, number>;
  results: Record<SmartResult, number>;
  hedgesFired: number;
}

export interface StatsReport {
  settings: StatsSettings;
  routes: RouteStats[];
  upstream: UpstreamStats;
}

type Statistic = "Sum" | "p50" | "p90" | "p99";

interface PlannedQuery {
  id: string;
  metricName: string;
  dimensions: RouteKey | undefined;
  stat: Statistic;
}

/** One query per figure: six per route, then the upstream counters, which have no dimensions. */
export function planQueries(routes: RouteKey[]): PlannedQuery[] {
  const queries: PlannedQuery[] = [];
  routes.forEach((key, i) => {
    queries.push({ id: `requests_${i}`, metricName: EMF.requests, dimensions: key, stat: "Sum" });
    for (const stat of ["p50", "p90", "p99"] as const) {
      queries.push({ id: `${stat}_${i}`, metricName: EMF.latency, dimensions: key, stat });
    }
    queries.push({ id: `errors4xx_${i}`, metricName: EMF.errors4xx, dimensions: key, stat: "Sum" });
    queries.push({ id: `errors5xx_${i}`, metricName: EMF.errors5xx, dimensions: key, stat: "Sum" });
  });
  for (const outcome of SMART_OUTCOMES) {
    queries.push({
      id: `upstream_${outcome}`,
      metricName: upstreamMetricName(outcome),
      dimensions: undefined,
      stat: "Sum",
    });
  }
  for (const result of SMART_RESULTS) {
    queries.push({
      id: `smart_${result}`,
      metricName: smartResultMetricName(result),
      dimensions: undefined,
      stat: "Sum",
    });
  }
  queries.push({ id: "hedges", metricName: EMF.hedgesFired, dimensions: undefined, stat: "Sum" });
  return queries;
}

function toMetricDataQuery(
  query: PlannedQuery,
  namespace: string,
  period: number,
): MetricDataQuery {
  const { route, method } = EMF.dimensions;
  return {
    Id: query.id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: namespace,
        MetricName: query.metricName,
        Dimensions: query.dimensions
          ? [
              { Name: route, Value: query.dimensions.route },
              { Name: method, Value: query.dimensions.method },
            ]
          : [],
      },
      Period: period,
      Stat: query.stat,
    },
  };
}

/**
 * One figure per query over the window. Sums add up across periods; a percentile spread over
 * several periods cannot be merged, so the highest is reported, which bounds it from above.
 */
export function combine(stat: Statistic, values: number[]): number | undefined {
  if (values.length === 0) return stat === "Sum" ? 0 : undefined;
  return stat === "Sum" ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
}

export function buildReport(
  settings: StatsSettings,
  routes: RouteKey[],
  figures: Map<string, number | undefined>,
): StatsReport {
  const figure = (id: string) => figures.get(id);
  const count = (id: string) => figure(id) ?? 0;
  const routeStats = routes
    .map((key, i) => ({
      ...key,
      requests: count(`requests_${i}`),
      p50: figure(`p50_${i}`),
      p90: figure(`p90_${i}`),
      p99: figure(`p99_${i}`),
      errors4xx: count(`errors4xx_${i}`),
      errors5xx: count(`errors5xx_${i}`),
    }))
    .filter((stats) => stats.requests > 0)
    .sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route));
  const attempts = Object.fromEntries(
    SMART_OUTCOMES.map((outcome) => [outcome, count(`upstream_${outcome}`)]),
  ) as Record<SmartOutcome, number>;
  const results = Object.fromEntries(
    SMART_RESULTS.map((result) => [result, count(`smart_${result}`)]),
  ) as Record<SmartResult, number>;
  return {
    settings,
    routes: routeStats,
    upstream: { attempts, results, hedgesFired: count("hedges") },
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const ms = (value: number | undefined) => (value === undefined ? "-" : value.toFixed(2));
const percent = (part: number, whole: number) =>
  whole === 0 ? "-" : `${((100 * part) / whole).toFixed(1)}%`;

function table(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, c) =>
    Math.max(h.length, ...rows.map((row) => row[c]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, c) =>
        rightAligned[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** The report as the text `make stats` prints. */
export function formatReport(report: StatsReport): string {
  const { settings, routes, upstream } = report;
  const out: string[] = [
    `${settings.namespace} in ${settings.region}, last ${settings.minutes} minutes`,
    "",
  ];
  if (routes.length === 0) {
    out.push(`No requests recorded in the last ${settings.minutes} minutes.`);
  } else {
    const rows = routes.map((r) => [
      r.route,
      r.method,
      String(r.requests),
      ms(r.p50),
      ms(r.p90),
      ms(r.p99),
      String(r.errors4xx),
      String(r.errors5xx),
    ]);
    rows.push([
      "all routes",
      "",
      String(sum(routes.map((r) => r.requests))),
      "",
      "",
      "",
      String(sum(routes.map((r) => r.errors4xx))),
      String(sum(routes.map((r) => r.errors5xx))),
    ]);
    const header = ["ROUTE", "METHOD", "REQUESTS", "P50 MS", "P90 MS", "P99 MS", "4XX", "5XX"];
    out.push(table(header, rows, [false, false, true, true, true, true, true, true]));
  }

  const attempts = sum(Object.values(upstream.attempts));
  const finished = attempts - upstream.attempts.aborted;
  const smartRequests = sum(Object.values(upstream.results));
  const hedgeRate =
    smartRequests === 0 ? "-" : `${(upstream.hedgesFired / smartRequests).toFixed(2)} per request`;
  const breakdown = <K extends string>(counts: Record<K, number>) =>
    (Object.entries(counts) as [K, number][]).map(([key, n]) => `${key} ${n}`).join(", ");
  out.push(
    "",
    "/api/smart upstream",
    `  upstream success rate  ${percent(upstream.attempts.success, finished)} of ${finished} finished attempts (${upstream.attempts.aborted} aborted after the race was decided)`,
    `  hedge rate             ${hedgeRate}: ${upstream.hedgesFired} hedges for ${smartRequests} requests`,
    `  attempts by outcome    ${breakdown(upstream.attempts)}`,
    `  requests by result     ${breakdown(upstream.results)}`,
  );
  return `${out.join("\n")}\n`;
}

/** Shows `label` on stderr while `work` runs: a ticking line on a terminal, one line otherwise. */
async function withProgress<T>(label: string, work: Promise<T>): Promise<T> {
  const started = performance.now();
  if (!process.stderr.isTTY) {
    process.stderr.write(`${label}...\n`);
    return work;
  }
  const frames = "|/-\\";
  let frame = 0;
  const draw = () => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(`\r${frames[frame++ % frames.length]} ${label} (${seconds}s)`);
  };
  draw();
  const ticker = setInterval(draw, 100);
  try {
    return await work;
  } finally {
    clearInterval(ticker);
    process.stderr.write("\r\x1b[2K");
  }
}

async function listRoutes(client: CloudWatchClient, settings: StatsSettings): Promise<RouteKey[]> {
  const found = new Map<string, RouteKey>();
  // ListMetrics can narrow to the last three hours only; wider windows list everything.
  const recent = settings.minutes <= 180 ? { RecentlyActive: "PT3H" as const } : {};
  const pages = paginateListMetrics(
    { client },
    { Namespace: settings.namespace, MetricName: EMF.requests, ...recent },
  );
  for await (const page of pages) {
    for (const metric of page.Metrics ?? []) {
      const dimensions = metric.Dimensions ?? [];
      const route = dimensions.find((d) => d.Name === EMF.dimensions.route)?.Value;
      const method = dimensions.find((d) => d.Name === EMF.dimensions.method)?.Value;
      if (route === undefined || method === undefined || dimensions.length !== 2) continue;
      found.set(`${method} ${route}`, { route, method });
    }
  }
  return [...found.values()];
}

async function fetchFigures(
  client: CloudWatchClient,
  settings: StatsSettings,
  queries: PlannedQuery[],
): Promise<Map<string, number | undefined>> {
  const end = new Date();
  const start = new Date(end.getTime() - settings.minutes * 60_000);
  // One period spanning the whole window: one figure per query.
  const period = settings.minutes * 60;
  const values = new Map<string, number[]>();
  const batches = Math.ceil(queries.length / MAX_QUERIES_PER_CALL);
  for (let b = 0; b < batches; b++) {
    const batch = queries.slice(b * MAX_QUERIES_PER_CALL, (b + 1) * MAX_QUERIES_PER_CALL);
    const fetchBatch = async () => {
      const pages = paginateGetMetricData(
        { client },
        {
          StartTime: start,
          EndTime: end,
          MetricDataQueries: batch.map((q) => toMetricDataQuery(q, settings.namespace, period)),
        },
      );
      for await (const page of pages) {
        for (const result of page.MetricDataResults ?? []) {
          if (!result.Id) continue;
          values.set(result.Id, [...(values.get(result.Id) ?? []), ...(result.Values ?? [])]);
        }
      }
    };
    const part = batches > 1 ? ` (batch ${b + 1} of ${batches})` : "";
    await withProgress(`Fetching ${batch.length} figures from GetMetricData${part}`, fetchBatch());
  }
  return new Map(queries.map((q) => [q.id, combine(q.stat, values.get(q.id) ?? [])]));
}

export async function collectStats(settings: StatsSettings): Promise<StatsReport> {
  const client = new CloudWatchClient({ region: settings.region, endpoint: settings.endpoint });
  try {
    const where = `${settings.namespace} (${settings.region})`;
    const routes = await withProgress(`Listing routes in ${where}`, listRoutes(client, settings));
    const figures = await fetchFigures(client, settings, planQueries(routes));
    return buildReport(settings, routes, figures);
  } finally {
    client.destroy();
  }
}

async function main() {
  let settings: StatsSettings;
  try {
    settings = resolveSettings(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`stats: ${error.message}\n`);
    process.exit(2);
  }
  try {
    process.stdout.write(formatReport(await collectStats(settings)));
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`stats: CloudWatch did not answer: ${message}\n`);
    process.exit(1);
  }
}

if (import.meta.main) await main();
