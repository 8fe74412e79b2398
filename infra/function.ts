import { cloudwatch, iam, lambda } from "@pulumi/aws";
import {
  type CustomResourceOptions,
  type Input,
  interpolate,
  jsonStringify,
  type Output,
  secret,
} from "@pulumi/pulumi";
import { DYNAMODB_ACTIONS } from "../src/store/dynamodb-keys";
import type { StageSettings } from "./settings";

/** The port the app listens on inside Lambda; the Runtime Interface Emulator holds 8080. */
export const APP_PORT = 8000;
export const READINESS_PATH = "/healthz";

/** Lambda Web Adapter settings; the Containerfile sets the same values. */
export const ADAPTER_ENVIRONMENT = {
  PORT: String(APP_PORT),
  AWS_LWA_PORT: String(APP_PORT),
  AWS_LWA_READINESS_CHECK_PATH: READINESS_PATH,
  AWS_LWA_READINESS_CHECK_HEALTHY_STATUS: "200-299",
} as const;

export const LAMBDA_ARCHITECTURE = "arm64";

export interface Statement {
  Effect: "Allow";
  Action: string[];
  Resource: Input<string>[];
}

export function policyDocument(statements: Statement[]) {
  return { Version: "2012-10-17", Statement: statements };
}

/** Writing to its own log group: the only part of basic execution the function needs. */
export function logStatement(logGroupArn: Input<string>): Statement {
  return {
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [interpolate`${logGroupArn}:*`],
  };
}

/** Exactly the DynamoDB actions the store performs, on this table only. */
export function tableStatement(tableArn: Input<string>): Statement {
  return { Effect: "Allow", Action: [...DYNAMODB_ACTIONS], Resource: [tableArn] };
}

export const LAMBDA_ASSUME_ROLE_POLICY = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
};

export interface FunctionEnvironmentInput {
  settings: StageSettings;
  tableName: Input<string>;
  apiToken: Input<string>;
}

export function functionEnvironment({ settings, tableName, apiToken }: FunctionEnvironmentInput) {
  return {
    ...ADAPTER_ENVIRONMENT,
    DYNAMODB_TABLE: tableName,
    LOG_LEVEL: settings.logLevel,
    METRICS_EMF: "1",
    METRICS_NAMESPACE: settings.metricsNamespace,
    // A /api/smart deadline must end before the function does, or the client sees a gateway error.
    SMART_MAX_TIMEOUT_MS: String(Math.max(1000, (settings.timeoutSeconds - 1) * 1000)),
    API_TOKEN: secret(apiToken),
  };
}

export interface ApiFunctionInput {
  settings: StageSettings;
  imageUri: Output<string>;
  tableName: Output<string>;
  tableArn: Output<string>;
  apiToken: Input<string>;
}

export function apiFunction(input: ApiFunctionInput, opts: CustomResourceOptions = {}) {
  const { settings } = input;
  const functionName = settings.resourcePrefix;
  const logGroup = new cloudwatch.LogGroup(
    "FunctionLogs",
    { name: `/aws/lambda/${functionName}`, retentionInDays: settings.logRetentionDays },
    opts,
  );
  const role = new iam.Role(
    "FunctionRole",
    {
      assumeRolePolicy: JSON.stringify(LAMBDA_ASSUME_ROLE_POLICY),
    },
    opts,
  );
  const basicExecution = new iam.RolePolicy(
    "FunctionBasicExecution",
    { role: role.id, policy: jsonStringify(policyDocument([logStatement(logGroup.arn)])) },
    opts,
  );
  const tableAccess = new iam.RolePolicy(
    "FunctionTableAccess",
    { role: role.id, policy: jsonStringify(policyDocument([tableStatement(input.tableArn)])) },
    opts,
  );
  const fn = new lambda.Function(
    "Function",
    {
      name: functionName,
      packageType: "Image",
      imageUri: input.imageUri,
      architectures: [LAMBDA_ARCHITECTURE],
      role: role.arn,
      memorySize: settings.memoryMb,
      timeout: settings.timeoutSeconds,
      environment: {
        variables: functionEnvironment({
          settings,
          tableName: input.tableName,
          apiToken: input.apiToken,
        }),
      },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
    },
    { ...opts, dependsOn: [basicExecution, tableAccess] },
  );
  return { fn, role, logGroup, policies: { basicExecution, tableAccess } };
}
