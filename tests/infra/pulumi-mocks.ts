import { Output, Resource, runtime } from "@pulumi/pulumi";

export const ACCOUNT = "123456789012";
export const REGION = "eu-central-1";
/** The digest the mocked build reports; a function pointing at it points at the pushed image. */
export const PUSHED_DIGEST = `sha256:${"ab".repeat(32)}`;

/** API Gateway's own hosted zone for regional custom domains, as the mocked domain reports it. */
export const GATEWAY_ZONE_ID = "ZGATEWAYMOCK";

export interface HostedZone {
  zoneId: string;
  name: string;
}

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** Provider-computed attributes the mocked engine adds to a resource's echoed inputs. */
function computed(type: string, name: string, inputs: Record<string, unknown>) {
  const physical = typeof inputs.name === "string" ? inputs.name : `${name}-mock`;
  const arn = `arn:aws:mock:${REGION}:${ACCOUNT}:${type}/${physical}`;
  switch (type) {
    case "aws:ecr/repository:Repository":
      return {
        arn,
        registryId: ACCOUNT,
        repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${physical}`,
      };
    case "docker-build:index:Image":
      return { digest: PUSHED_DIGEST, ref: `${(inputs.tags as string[])[0]}@${PUSHED_DIGEST}` };
    case "aws:lambda/function:Function":
      return {
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}`,
        invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/functions/${physical}/invocations`,
      };
    case "aws:acm/certificate:Certificate":
      return {
        arn: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/mock`,
        domainValidationOptions: [
          {
            domainName: inputs.domainName,
            resourceRecordName: `_token.${inputs.domainName}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: "_answer.acm-validations.aws.",
          },
        ],
      };
    case "aws:route53/record:Record":
      return { fqdn: String(inputs.name).replace(/\.$/, "") };
    case "aws:apigatewayv2/domainName:DomainName":
      return {
        arn,
        domainNameConfiguration: {
          ...(inputs.domainNameConfiguration as object),
          targetDomainName: `d-mock.execute-api.${REGION}.amazonaws.com`,
          hostedZoneId: GATEWAY_ZONE_ID,
        },
      };
    case "aws:apigatewayv2/api:Api":
      return {
        apiEndpoint: `https://${name.toLowerCase()}.execute-api.${REGION}.amazonaws.com`,
        executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${name.toLowerCase()}`,
      };
    default:
      return { arn };
  }
}

/**
 * Installs Pulumi's own mocks for one stack and records every resource registered. `zones` are
 * the public Route 53 hosted zones the account holds.
 */
export async function mockStack(
  stack: string,
  zones: HostedZone[] = [],
): Promise<RecordedResource[]> {
  const recorded: RecordedResource[] = [];
  // Lets registrations still in flight reach the stack that made them before the next one starts.
  await runtime.disconnect();
  await runtime.setMocks(
    {
      newResource({ type, name, inputs }) {
        recorded.push({ type, name, inputs });
        return { id: `${name}-id`, state: { ...inputs, ...computed(type, name, inputs) } };
      },
      call({ token, inputs }) {
        if (token === "aws:route53/getZone:getZone") {
          const zone = zones.find((z) =>
            inputs.zoneId ? z.zoneId === inputs.zoneId : z.name === inputs.name,
          );
          if (!zone) {
            // The provider's answer when nothing matches, carried as the engine carries it.
            const details = "no matching Route 53 Hosted Zone found";
            throw Object.assign(new Error(details), { details });
          }
          return { ...zone, id: zone.zoneId };
        }
        if (token === "aws:index/getRegion:getRegion") {
          return { region: REGION, name: REGION, id: REGION };
        }
        if (token === "aws:ecr/getAuthorizationToken:getAuthorizationToken") {
          return {
            userName: "AWS",
            password: "mock-registry-password",
            proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`,
          };
        }
        throw new Error(`unexpected provider call ${token}`);
      },
    },
    "tocos-service",
    stack,
    false,
  );
  return recorded;
}

/** The value an Output settles on under the mocks. */
export function outputValue<T>(output: Output<T>): Promise<T> {
  return new Promise((resolve) => {
    output.apply((value) => {
      resolve(value);
      return value;
    });
  });
}

/** Waits until every resource in a (nested) object has finished registering with the mocks. */
export async function settle(tree: unknown): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown) => {
    if (node === null || typeof node !== "object" || seen.has(node)) return;
    seen.add(node);
    if (Resource.isInstance(node)) {
      pending.push(outputValue(node.urn));
      return;
    }
    if (Output.isInstance(node)) return;
    for (const child of Object.values(node)) walk(child);
  };
  walk(tree);
  await Promise.all(pending);
}
