import type { WorkProfile } from "./features/work/simulation";

/**
 * The one typed configuration, read from the environment once at start-up.
 * An invalid value stops the process with a message that names the variable.
 */

export const SERVICE_NAME = "tocos-service";

const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  port: number;
  logLevel: LogLevel;
  factorialMax: number;
  /** How long the users snapshot behind `/tocos` is served before the store is read again. */
  tocosCacheTtlS: number;
  sqlitePath: string;
  dynamodbTable: string | undefined;
  dynamodbEndpoint: string | undefined;
  dynamodbMaxAttempts: number;
  dynamodbTimeoutMs: number;
  apiToken: string | undefined;
  echoMaxEndpoints: number;
  /** Journal entries kept on SQLite; 0 turns recording off. */
  echoJournalSize: number;
  /** Seconds a journal entry lives on DynamoDB (its TTL attribute). */
  echoJournalTtlS: number;
  /** Lower-case header names whose values the journal stores as `<redacted>`. */
  echoJournalRedact: string[];
  /** Unset: the service's own simulated `/api/work`, on loopback. */
  smartUpstreamUrl: string | undefined;
  /** A fixed delay in ms, or `auto`: a percentile of recent upstream latencies. */
  smartHedgeDelayMs: number | "auto";
  smartHedgePercentile: number;
  smartHedgeMinMs: number;
  /** Extra attempts allowed, as a percentage of first attempts; 0 turns the budget off. */
  smartHedgeBudgetPercent: number;
  smartHedgeCount: number;
  smartAttemptTimeoutMs: number;
  smartMaxTimeoutMs: number;
  /** The simulated upstream, `/api/work`. */
  work: WorkProfile;
  /** Origins browsers may call from: any (`*`), a list, or none (`off`: no CORS headers). */
  corsOrigins: "*" | "off" | string[];
  /** Running on AWS Lambda: the Lambda Web Adapter's request-context headers can be trusted. */
  onLambda: boolean;
  metricsEmf: boolean;
  metricsNamespace: string;
  shutdownGraceMs: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = raw.toLowerCase() as T;
  if (!values.includes(value)) {
    throw new ConfigError(`${name} must be one of ${values.join(", ")}, got "${raw}"`);
  }
  return value;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "" || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  throw new ConfigError(`${name} must be 1/true or 0/false, got "${raw}"`);
}

function url(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
    return parsed.href;
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === "" ? undefined : raw;
}

const DEFAULT_REDACTED = ["authorization", "cookie", "proxy-authorization", "x-api-key"];

/** A comma-separated list of header names, lower-cased; `-` names none. */
function headerList(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw.trim() === "-") return [];
  const names = raw
    .split(",")
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== "");
  const bad = names.find((n) => !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(n));
  if (bad !== undefined) throw new ConfigError(`${name} must list header names, got "${bad}"`);
  return names;
}

function hedgeDelay(env: Env): number | "auto" {
  if (env.SMART_HEDGE_DELAY_MS?.toLowerCase() === "auto") return "auto";
  try {
    return integer(env, "SMART_HEDGE_DELAY_MS", 300, 0, 600_000);
  } catch (error) {
    throw new ConfigError(`${(error as Error).message.replace("must be", "must be auto or")}`);
  }
}

function workProfile(env: Env): WorkProfile {
  const medianMs = integer(env, "WORK_MEDIAN_MS", 100, 1, 60_000);
  const p95Ms = integer(env, "WORK_P95_MS", 800, 1, 600_000);
  if (p95Ms < medianMs) {
    throw new ConfigError(
      `WORK_P95_MS must be at least WORK_MEDIAN_MS (${medianMs}), got ${p95Ms}`,
    );
  }
  return {
    medianMs,
    p95Ms,
    errorPercent: integer(env, "WORK_ERROR_PERCENT", 10, 0, 100),
    stallPercent: integer(env, "WORK_STALL_PERCENT", 0, 0, 100),
    stallMs: integer(env, "WORK_STALL_MS", 2_000, 0, 600_000),
    slowAfterMs: integer(env, "WORK_SLOW_AFTER_MS", 0, 0, 86_400_000),
    slowForMs: integer(env, "WORK_SLOW_FOR_MS", 0, 0, 86_400_000),
    slowFactor: integer(env, "WORK_SLOW_FACTOR", 1, 1, 1_000),
    maxMs: integer(env, "WORK_MAX_MS", 10_000, 0, 600_000),
  };
}

function corsOrigins(env: Env): "*" | "off" | string[] {
  const raw = env.CORS_ORIGINS?.trim();
  if (!raw || raw === "*") return "*";
  if (raw.toLowerCase() === "off") return "off";
  return raw.split(",").map((entry) => {
    const origin = entry.trim();
    try {
      if (new URL(origin).origin === origin) return origin;
    } catch {}
    throw new ConfigError(
      `CORS_ORIGINS must be *, off, or a comma list of origins like https://app.example.com, got "${origin}"`,
    );
  });
}

export function loadConfig(env: Env = process.env): Config {
  const dynamodbEndpoint = optional(env, "DYNAMODB_ENDPOINT");
  if (dynamodbEndpoint !== undefined) url(env, "DYNAMODB_ENDPOINT", dynamodbEndpoint);
  const smartUpstreamUrl = optional(env, "SMART_UPSTREAM_URL");
  const smartHedgeDelayMs = hedgeDelay(env);
  return {
    port: integer(env, "PORT", 8080, 0, 65_535),
    logLevel: oneOf(env, "LOG_LEVEL", LOG_LEVELS, "info"),
    factorialMax: integer(env, "FACTORIAL_MAX", 100_000, 0, 1_000_000),
    tocosCacheTtlS: integer(env, "TOCOS_CACHE_TTL_S", 60, 0, 86_400),
    sqlitePath: optional(env, "SQLITE_PATH") ?? "data/echo.sqlite",
    dynamodbTable: optional(env, "DYNAMODB_TABLE"),
    dynamodbEndpoint,
    dynamodbMaxAttempts: integer(env, "DYNAMODB_MAX_ATTEMPTS", 3, 1, 10),
    dynamodbTimeoutMs: integer(env, "DYNAMODB_TIMEOUT_MS", 2_000, 1, 60_000),
    apiToken: optional(env, "API_TOKEN"),
    echoMaxEndpoints: integer(env, "ECHO_MAX_ENDPOINTS", 10_000, 1, 10_000_000),
    echoJournalSize: integer(env, "ECHO_JOURNAL_SIZE", 1000, 0, 1_000_000),
    echoJournalTtlS: integer(env, "ECHO_JOURNAL_TTL_S", 86_400, 60, 31_536_000),
    echoJournalRedact: headerList(env, "ECHO_JOURNAL_REDACT", DEFAULT_REDACTED),
    smartUpstreamUrl: smartUpstreamUrl && url(env, "SMART_UPSTREAM_URL", smartUpstreamUrl),
    smartHedgeDelayMs,
    smartHedgePercentile: integer(env, "SMART_HEDGE_PERCENTILE", 95, 1, 100),
    smartHedgeMinMs: integer(env, "SMART_HEDGE_MIN_MS", 10, 0, 600_000),
    // On by default only with `auto`: the challenge's fixed delay hedges without a budget.
    smartHedgeBudgetPercent: integer(
      env,
      "SMART_HEDGE_BUDGET_PERCENT",
      smartHedgeDelayMs === "auto" ? 10 : 0,
      0,
      1_000,
    ),
    smartHedgeCount: integer(env, "SMART_HEDGE_COUNT", 2, 0, 2),
    smartAttemptTimeoutMs: integer(env, "SMART_ATTEMPT_TIMEOUT_MS", 10_000, 1, 600_000),
    smartMaxTimeoutMs: integer(env, "SMART_MAX_TIMEOUT_MS", 60_000, 1, 600_000),
    work: workProfile(env),
    corsOrigins: corsOrigins(env),
    onLambda: optional(env, "AWS_LAMBDA_FUNCTION_NAME") !== undefined,
    metricsEmf: flag(env, "METRICS_EMF") || optional(env, "AWS_LAMBDA_FUNCTION_NAME") !== undefined,
    metricsNamespace: optional(env, "METRICS_NAMESPACE") ?? SERVICE_NAME,
    shutdownGraceMs: integer(env, "SHUTDOWN_GRACE_MS", 5_000, 0, 60_000),
  };
}

/** Defaults, for tests and tools that build the app without an environment. */
export const defaultConfig = (overrides: Partial<Config> = {}): Config => ({
  ...loadConfig({}),
  ...overrides,
});
