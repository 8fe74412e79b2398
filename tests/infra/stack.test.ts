import { beforeAll, describe, expect, it } from "bun:test";
import { fileURLToPath } from "node:url";
import { isSecret } from "@pulumi/pulumi";
import { type DeployConfig, deploy } from "../../infra";
import { ADAPTER_ENVIRONMENT, LAMBDA_ASSUME_ROLE_POLICY } from "../../infra/function";
import { ALARM_THRESHOLDS, dashboardBody } from "../../infra/monitoring";
import { IMAGES_KEPT } from "../../infra/registry";
import { API_GATEWAY_TIMEOUT_SECONDS } from "../../infra/settings";
import {
  EMF,
  SMART_OUTCOMES,
  SMART_RESULTS,
  smartResultMetricName,
  upstreamMetricName,
} from "../../src/observability/metric-names";
import { DYNAMODB_ACTIONS, JOURNAL_KEYS, TABLE_KEYS } from "../../src/store/dynamodb-keys";
import {
  mockStack,
  outputValue,
  PUSHED_DIGEST,
  type RecordedResource,
  settle,
} from "./pulumi-mocks";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TOKEN = "token-that-must-stay-secret";
const REVISION = "0123456789ab";

const config: DeployConfig = {
  rootDir: ROOT,
  revision: REVISION,
  apiToken: TOKEN,
};

type Stack = ReturnType<typeof deploy>;

async function synthesize(stage: string, overrides: Partial<DeployConfig> = {}) {
  const recorded = await mockStack(stage);
  const stack = deploy(stage, { ...config, ...overrides });
  await settle(stack.resources);
  const inputsOf = (type: string, name: string) => {
    const found = recorded.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name} was registered`);
    return found.inputs;
  };
  return { stack, recorded, inputsOf };
}

type Statement = { Effect: string; Action: string | string[]; Resource: string | string[] };
const statementsOf = (policy: string): Statement[] => JSON.parse(policy).Statement;
const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

describe("production stage", () => {
  let stack: Stack;
  let recorded: RecordedResource[];
  let inputsOf: (type: string, name: string) => Record<string, unknown>;

  beforeAll(async () => {
    ({ stack, recorded, inputsOf } = await synthesize("production"));
  });

  describe("function", () => {
    it("is packaged as a container image", async () => {
      expect(await outputValue(stack.resources.function.fn.packageType)).toBe("Image");
    });

    it("runs on arm64", async () => {
      expect(await outputValue(stack.resources.function.fn.architectures)).toEqual(["arm64"]);
    });

    it("points at the pushed image by digest, not by tag", async () => {
      const repositoryUrl = await outputValue(stack.resources.registry.repository.repositoryUrl);
      expect(await outputValue(stack.resources.function.fn.imageUri)).toBe(
        `${repositoryUrl}@${PUSHED_DIGEST}`,
      );
    });

    it("receives the table name in its environment", async () => {
      const env = await outputValue(stack.resources.function.fn.environment);
      const tableName = await outputValue(stack.resources.data.table.name);
      expect(env?.variables?.DYNAMODB_TABLE).toBe(tableName);
    });

    it("sets the Lambda Web Adapter's port and readiness path", async () => {
      const env = await outputValue(stack.resources.function.fn.environment);
      expect(env?.variables).toMatchObject({
        PORT: "8000",
        AWS_LWA_PORT: "8000",
        AWS_LWA_READINESS_CHECK_PATH: "/healthz",
      });
    });

    it("sets the log level and the metrics namespace", async () => {
      const env = await outputValue(stack.resources.function.fn.environment);
      expect(env?.variables).toMatchObject({
        LOG_LEVEL: "info",
        METRICS_NAMESPACE: stack.outputs.namespace,
      });
    });

    it("keeps the API token secret in its environment", async () => {
      expect(await isSecret(stack.resources.function.fn.environment)).toBe(true);
    });

    it("times out before API Gateway does", async () => {
      const timeout = await outputValue(stack.resources.function.fn.timeout);
      expect(timeout).toBeLessThan(API_GATEWAY_TIMEOUT_SECONDS);
    });

    it("caps /api/smart deadlines below its own timeout", async () => {
      const env = await outputValue(stack.resources.function.fn.environment);
      const timeout = (await outputValue(stack.resources.function.fn.timeout)) ?? 0;
      expect(Number(env?.variables?.SMART_MAX_TIMEOUT_MS)).toBeLessThan(timeout * 1000);
    });

    it("logs JSON to its own log group", async () => {
      const logging = await outputValue(stack.resources.function.fn.loggingConfig);
      expect(logging.logFormat).toBe("JSON");
      expect(logging.logGroup).toBe(await outputValue(stack.resources.function.logGroup.name));
    });

    it("keeps its logs for a limited period", async () => {
      const days = await outputValue(stack.resources.function.logGroup.retentionInDays);
      expect(days).toBe(30);
    });
  });

  describe("image", () => {
    it("is built for linux/arm64 only, so the push is a single manifest", () => {
      expect(inputsOf("docker-build:index:Image", "Image").platforms).toEqual(["linux/arm64"]);
    });

    it("is pushed, tagged with the git revision", async () => {
      const inputs = inputsOf("docker-build:index:Image", "Image");
      const repositoryUrl = await outputValue(stack.resources.registry.repository.repositoryUrl);
      expect(inputs.push).toBe(true);
      expect(inputs.tags).toEqual([`${repositoryUrl}:${REVISION}`]);
    });

    it("is built from the Containerfile at the repository root", () => {
      const inputs = inputsOf("docker-build:index:Image", "Image");
      expect(inputs.dockerfile).toEqual({ location: `${ROOT}Containerfile` });
      expect(inputs.context).toEqual({ location: ROOT });
    });
  });

  describe("API", () => {
    it("sends every path to the function through the $default route", async () => {
      const { route, integration } = stack.resources.api;
      expect(await outputValue(route.routeKey)).toBe("$default");
      expect(await outputValue(route.target)).toBe(
        `integrations/${await outputValue(integration.id)}`,
      );
    });

    it("proxies to the function with payload format 2.0", async () => {
      const { integration } = stack.resources.api;
      expect(await outputValue(integration.integrationType)).toBe("AWS_PROXY");
      expect(await outputValue(integration.payloadFormatVersion)).toBe("2.0");
      expect(await outputValue(integration.integrationUri)).toBe(
        await outputValue(stack.resources.function.fn.invokeArn),
      );
    });

    it("throttles with both a burst and a rate above 0", async () => {
      const settings = await outputValue(stack.resources.api.stage.defaultRouteSettings);
      expect(settings?.throttlingBurstLimit).toBeGreaterThan(0);
      expect(settings?.throttlingRateLimit).toBeGreaterThan(0);
    });

    it("writes access logs to a log group with a retention period", async () => {
      const { stage, accessLogs } = stack.resources.api;
      const logSettings = await outputValue(stage.accessLogSettings);
      expect(logSettings?.destinationArn).toBe(await outputValue(accessLogs.arn));
      expect(await outputValue(accessLogs.retentionInDays)).toBeGreaterThan(0);
    });

    it("is the only caller allowed to invoke the function", async () => {
      const { permission, api } = stack.resources.api;
      expect(await outputValue(permission.principal)).toBe("apigateway.amazonaws.com");
      expect(await outputValue(permission.sourceArn)).toBe(
        `${await outputValue(api.executionArn)}/*`,
      );
    });
  });

  describe("IAM", () => {
    it("grants exactly the store's DynamoDB actions, on the table only", async () => {
      const policy = await outputValue(stack.resources.function.policies.tableAccess.policy);
      const tableArn = await outputValue(stack.resources.data.table.arn);
      expect(statementsOf(policy)).toEqual([
        { Effect: "Allow", Action: [...DYNAMODB_ACTIONS], Resource: [tableArn] },
      ]);
    });

    it("grants no wildcard action and no wildcard resource", async () => {
      const { basicExecution, tableAccess } = stack.resources.function.policies;
      const statements = [
        ...statementsOf(await outputValue(basicExecution.policy)),
        ...statementsOf(await outputValue(tableAccess.policy)),
      ];
      const actions = statements.flatMap((s) => asList(s.Action));
      const resources = statements.flatMap((s) => asList(s.Resource));
      expect(actions.filter((a) => a.includes("*"))).toEqual([]);
      expect(resources.filter((r) => r === "*" || r.endsWith(":*:*"))).toEqual([]);
    });

    it("lets the function write only to its own log group", async () => {
      const { basicExecution } = stack.resources.function.policies;
      const logGroupArn = await outputValue(stack.resources.function.logGroup.arn);
      expect(statementsOf(await outputValue(basicExecution.policy))).toEqual([
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: [`${logGroupArn}:*`],
        },
      ]);
    });

    it("attaches no managed policy to the role", () => {
      const attachments = recorded.filter((r) => r.type.startsWith("aws:iam/rolePolicyAttachment"));
      expect(attachments).toEqual([]);
      expect(inputsOf("aws:iam/role:Role", "FunctionRole").managedPolicyArns).toBeUndefined();
    });

    it("can be assumed by Lambda only", async () => {
      const role = stack.resources.function.role;
      expect(JSON.parse(await outputValue(role.assumeRolePolicy))).toEqual(
        LAMBDA_ASSUME_ROLE_POLICY,
      );
    });
  });

  describe("registry", () => {
    it("scans images on push", async () => {
      const scanning = await outputValue(
        stack.resources.registry.repository.imageScanningConfiguration,
      );
      expect(scanning?.scanOnPush).toBe(true);
    });

    it("expires all but the last 10 images", async () => {
      const policy = JSON.parse(await outputValue(stack.resources.registry.lifecycle.policy));
      expect(policy.rules).toHaveLength(1);
      expect(policy.rules[0].selection).toEqual({
        tagStatus: "any",
        countType: "imageCountMoreThan",
        countNumber: IMAGES_KEPT,
      });
      expect(IMAGES_KEPT).toBe(10);
      expect(policy.rules[0].action).toEqual({ type: "expire" });
    });
  });

  describe("table", () => {
    it("uses the store's key schema, on demand", async () => {
      const { table } = stack.resources.data;
      expect(await outputValue(table.hashKey)).toBe(TABLE_KEYS.partition);
      expect(await outputValue(table.rangeKey)).toBe(TABLE_KEYS.sort);
      expect(await outputValue(table.billingMode)).toBe("PAY_PER_REQUEST");
      expect(await outputValue(table.attributes)).toEqual([
        { name: TABLE_KEYS.partition, type: "S" },
        { name: TABLE_KEYS.sort, type: "S" },
      ]);
    });

    it("expires journal entries by their TTL attribute", async () => {
      const ttl = await outputValue(stack.resources.data.table.ttl);
      expect(ttl).toEqual({ attributeName: JOURNAL_KEYS.ttlAttribute, enabled: true });
    });
  });

  describe("protections", () => {
    it("turns on point-in-time recovery", async () => {
      const pitr = await outputValue(stack.resources.data.table.pointInTimeRecovery);
      expect(pitr.enabled).toBe(true);
    });

    it("turns on deletion protection", async () => {
      expect(await outputValue(stack.resources.data.table.deletionProtectionEnabled)).toBe(true);
    });

    it("retains the table when the stack is removed", () => {
      expect(stack.resources.data.options.retainOnDelete).toBe(true);
    });

    it("refuses to delete a registry that still holds images", async () => {
      expect(await outputValue(stack.resources.registry.repository.forceDelete)).toBe(false);
    });
  });

  describe("monitoring", () => {
    it("alarms on the 5xx rate with plain metric queries, no Metrics Insights query", async () => {
      const queries =
        (await outputValue(stack.resources.monitoring.alarms.serverErrorRate.metricQueries)) ?? [];
      expect(queries.filter((q) => /\bSELECT\b/i.test(q.expression ?? ""))).toEqual([]);
      const apiId = await outputValue(stack.resources.api.api.id);
      const sum = (metricName: string) => ({
        namespace: "AWS/ApiGateway",
        metricName,
        dimensions: { ApiId: apiId },
        period: 60,
        stat: "Sum",
      });
      expect(queries.find((q) => q.id === "errors")?.metric).toEqual(sum("5xx"));
      expect(queries.find((q) => q.id === "requests")?.metric).toEqual(sum("Count"));
    });

    it("alarms on the one expression that divides 5xx by requests", async () => {
      const queries =
        (await outputValue(stack.resources.monitoring.alarms.serverErrorRate.metricQueries)) ?? [];
      const returned = queries.filter((q) => q.returnData);
      expect(returned.map((q) => q.expression)).toEqual([
        "IF(requests > 0, 100 * errors / requests, 0)",
      ]);
    });

    it("alarms on p99 latency", async () => {
      const alarm = stack.resources.monitoring.alarms.latencyP99;
      expect(await outputValue(alarm.extendedStatistic)).toBe("p99");
      expect(await outputValue(alarm.threshold)).toBe(ALARM_THRESHOLDS.latencyP99Ms);
      expect(await outputValue(alarm.dimensions)).toEqual({
        ApiId: await outputValue(stack.resources.api.api.id),
      });
    });

    it("alarms on throttled invocations", async () => {
      const alarm = stack.resources.monitoring.alarms.throttles;
      expect(await outputValue(alarm.namespace)).toBe("AWS/Lambda");
      expect(await outputValue(alarm.metricName)).toBe("Throttles");
      expect(await outputValue(alarm.dimensions)).toEqual({
        FunctionName: await outputValue(stack.resources.function.fn.name),
      });
    });

    it("graphs every request and upstream metric from the metric-names module", async () => {
      const body = await outputValue(stack.resources.monitoring.dashboard.dashboardBody);
      const names = [
        EMF.requests,
        EMF.latency,
        EMF.errors4xx,
        EMF.errors5xx,
        EMF.hedgesFired,
        ...SMART_OUTCOMES.map(upstreamMetricName),
        ...SMART_RESULTS.map(smartResultMetricName),
      ];
      expect(names.filter((name) => !body.includes(`\\"${name}\\"`))).toEqual([]);
      expect(body).toContain(`{\\"${stack.outputs.namespace}\\",Method,Route}`);
    });

    it("shows the alarms on the dashboard", async () => {
      const body = JSON.parse(
        await outputValue(stack.resources.monitoring.dashboard.dashboardBody),
      );
      const alarmWidget = body.widgets.find((w: { type: string }) => w.type === "alarm");
      const arns = await Promise.all(
        Object.values(stack.resources.monitoring.alarms).map((a) => outputValue(a.arn)),
      );
      expect(alarmWidget.properties.alarms).toEqual(arns);
    });
  });

  describe("outputs", () => {
    it("name the URL, function, registry, table, dashboard, region and namespace", () => {
      expect(Object.keys(stack.outputs).sort()).toEqual(
        [
          "apiUrl",
          "dashboardUrl",
          "functionName",
          "namespace",
          "region",
          "repositoryUrl",
          "stage",
          "tableName",
        ].sort(),
      );
    });

    it("never carry the API token", async () => {
      const values = await Promise.all(
        Object.values(stack.outputs).map((v) => (typeof v === "string" ? v : outputValue(v))),
      );
      expect(JSON.stringify(values)).not.toContain(TOKEN);
    });
  });
});

describe("dev stage", () => {
  let stack: Stack;

  beforeAll(async () => {
    ({ stack } = await synthesize("dev"));
  });

  it("leaves point-in-time recovery off", async () => {
    const pitr = await outputValue(stack.resources.data.table.pointInTimeRecovery);
    expect(pitr.enabled).toBe(false);
  });

  it("leaves deletion protection off", async () => {
    expect(await outputValue(stack.resources.data.table.deletionProtectionEnabled)).toBe(false);
  });

  it("removes the table with the stack", () => {
    expect(stack.resources.data.options.retainOnDelete).toBe(false);
  });

  it("deletes the registry with its images", async () => {
    expect(await outputValue(stack.resources.registry.repository.forceDelete)).toBe(true);
  });

  it("writes metrics to its own namespace, apart from production's", () => {
    expect(stack.outputs.namespace).toBe("tocos-service-dev");
  });
});

describe("dashboard body", () => {
  it("lays out widgets two to a row without overlap", () => {
    const { widgets } = dashboardBody({
      namespace: "ns",
      region: "eu-central-1",
      functionName: "fn",
      apiId: "api",
      alarmArns: [],
    });
    const cells = widgets.map((w) => `${w.x},${w.y}`);
    expect(new Set(cells).size).toBe(widgets.length);
    expect(widgets.every((w) => w.x + w.width <= 24)).toBe(true);
  });
});

describe("adapter environment", () => {
  it("listens on a port other than the emulator's 8080", () => {
    expect(ADAPTER_ENVIRONMENT.AWS_LWA_PORT).not.toBe("8080");
    expect(ADAPTER_ENVIRONMENT.PORT).toBe(ADAPTER_ENVIRONMENT.AWS_LWA_PORT);
  });
});
