import { SERVICE_NAME } from "../src/config";

/** The stage whose data outlives `sst remove`; every other stage is disposable. */
export const PRODUCTION_STAGE = "production";

/** API Gateway ends every integration at 30 s, so the function must answer first. */
export const API_GATEWAY_TIMEOUT_SECONDS = 30;

export interface Protections {
  /** DynamoDB point-in-time recovery. */
  pointInTimeRecovery: boolean;
  /** DynamoDB deletion protection. */
  deletionProtection: boolean;
  /** Keep the table in the cloud when the stack is removed. */
  retainData: boolean;
  /** Let `sst remove` delete the registry even while it still holds images. */
  forceDeleteImages: boolean;
}

export interface Throttling {
  /** Requests allowed in a burst, above the steady rate. */
  burstLimit: number;
  /** Steady requests per second. */
  rateLimit: number;
}

export interface StageSettings {
  stage: string;
  production: boolean;
  /** Prefix of every physical name, e.g. `tocos-service-dev`. */
  resourcePrefix: string;
  metricsNamespace: string;
  protections: Protections;
  throttling: Throttling;
  memoryMb: number;
  timeoutSeconds: number;
  logRetentionDays: number;
  logLevel: "debug" | "info" | "warn" | "error";
}

/** What a stage may override; everything else follows from the stage name. */
export type StageOverrides = Partial<
  Pick<
    StageSettings,
    "throttling" | "memoryMb" | "timeoutSeconds" | "logRetentionDays" | "logLevel"
  >
>;

/** Retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

export class DeployConfigError extends Error {
  override name = "DeployConfigError";
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new DeployConfigError(message);
}

/** Stage names become part of ECR, Lambda and log group names, so they stay short and lowercase. */
export function assertStageName(stage: string): void {
  check(
    /^[a-z][a-z0-9-]{0,19}$/.test(stage),
    `stage must be 1-20 lowercase letters, digits or dashes, starting with a letter, got "${stage}"`,
  );
}

export function stageSettings(stage: string, overrides: StageOverrides = {}): StageSettings {
  assertStageName(stage);
  const production = stage === PRODUCTION_STAGE;
  const settings: StageSettings = {
    stage,
    production,
    resourcePrefix: `${SERVICE_NAME}-${stage}`,
    metricsNamespace: production ? SERVICE_NAME : `${SERVICE_NAME}-${stage}`,
    protections: {
      pointInTimeRecovery: production,
      deletionProtection: production,
      retainData: production,
      forceDeleteImages: !production,
    },
    throttling: production
      ? { burstLimit: 200, rateLimit: 100 }
      : { burstLimit: 50, rateLimit: 20 },
    memoryMb: 1024,
    timeoutSeconds: API_GATEWAY_TIMEOUT_SECONDS - 1,
    logRetentionDays: production ? 30 : 7,
    logLevel: "info",
    ...overrides,
  };
  validateSettings(settings);
  return settings;
}

function validateSettings(s: StageSettings): void {
  const { burstLimit, rateLimit } = s.throttling;
  // Setting only one of the two leaves the other at 0, and then every request gets a 429.
  check(
    Number.isInteger(burstLimit) && burstLimit > 0,
    `throttling.burstLimit must be a positive integer, got ${burstLimit}`,
  );
  check(
    Number.isFinite(rateLimit) && rateLimit > 0,
    `throttling.rateLimit must be above 0, got ${rateLimit}`,
  );
  check(
    Number.isInteger(s.timeoutSeconds) &&
      s.timeoutSeconds >= 1 &&
      s.timeoutSeconds < API_GATEWAY_TIMEOUT_SECONDS,
    `timeoutSeconds must be a whole number from 1 to ${API_GATEWAY_TIMEOUT_SECONDS - 1}, got ${s.timeoutSeconds}`,
  );
  check(
    Number.isInteger(s.memoryMb) && s.memoryMb >= 128 && s.memoryMb <= 10240,
    `memoryMb must be a whole number from 128 to 10240, got ${s.memoryMb}`,
  );
  check(
    (LOG_RETENTION_DAYS as readonly number[]).includes(s.logRetentionDays),
    `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")}, got ${s.logRetentionDays}`,
  );
}
