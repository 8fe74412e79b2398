import { apigatewayv2, cloudwatch, lambda } from "@pulumi/aws";
import { type CustomResourceOptions, interpolate, type Output } from "@pulumi/pulumi";
import type { StageSettings } from "./settings";

/** Mocks live at any path, so one catch-all route sends everything to the function. */
export const CATCH_ALL_ROUTE = "$default";
export const PAYLOAD_FORMAT_VERSION = "2.0";
/** API Gateway's own ceiling for an HTTP API integration. */
export const INTEGRATION_TIMEOUT_MS = 30_000;

/** One JSON line per request; every field is an HTTP API `$context` variable. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  time: "$context.requestTime",
  ip: "$context.identity.sourceIp",
  method: "$context.httpMethod",
  path: "$context.path",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integrationLatency",
  integrationStatus: "$context.integrationStatus",
  integrationError: "$context.integrationErrorMessage",
});

export interface HttpApiInput {
  settings: StageSettings;
  functionName: Output<string>;
  functionInvokeArn: Output<string>;
}

export function httpApi(input: HttpApiInput, opts: CustomResourceOptions = {}) {
  const { settings } = input;
  const api = new apigatewayv2.Api(
    "Api",
    { name: settings.resourcePrefix, protocolType: "HTTP" },
    opts,
  );
  const integration = new apigatewayv2.Integration(
    "ApiIntegration",
    {
      apiId: api.id,
      integrationType: "AWS_PROXY",
      integrationMethod: "POST",
      integrationUri: input.functionInvokeArn,
      payloadFormatVersion: PAYLOAD_FORMAT_VERSION,
      timeoutMilliseconds: INTEGRATION_TIMEOUT_MS,
    },
    opts,
  );
  const route = new apigatewayv2.Route(
    "ApiRoute",
    {
      apiId: api.id,
      routeKey: CATCH_ALL_ROUTE,
      target: interpolate`integrations/${integration.id}`,
    },
    opts,
  );
  const accessLogs = new cloudwatch.LogGroup(
    "ApiAccessLogs",
    {
      name: `/aws/apigateway/${settings.resourcePrefix}`,
      retentionInDays: settings.logRetentionDays,
    },
    opts,
  );
  const stage = new apigatewayv2.Stage(
    "ApiStage",
    {
      apiId: api.id,
      name: "$default",
      autoDeploy: true,
      defaultRouteSettings: {
        throttlingBurstLimit: settings.throttling.burstLimit,
        throttlingRateLimit: settings.throttling.rateLimit,
      },
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
    },
    { ...opts, dependsOn: [route] },
  );
  const permission = new lambda.Permission(
    "ApiInvokePermission",
    {
      action: "lambda:InvokeFunction",
      function: input.functionName,
      principal: "apigateway.amazonaws.com",
      sourceArn: interpolate`${api.executionArn}/*`,
    },
    opts,
  );
  return { api, integration, route, stage, accessLogs, permission, url: api.apiEndpoint };
}
