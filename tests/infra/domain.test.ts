import { beforeAll, describe, expect, it } from "bun:test";
import { fileURLToPath } from "node:url";
import { type DeployConfig, deploy } from "../../infra";
import {
  type CustomDomain,
  DomainConfigError,
  parseDomainName,
  resolveCustomDomain,
} from "../../infra/domain";
import {
  GATEWAY_ZONE_ID,
  type HostedZone,
  mockStack,
  outputValue,
  type RecordedResource,
  settle,
} from "./pulumi-mocks";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ZONES: HostedZone[] = [
  { zoneId: "ZEXAMPLE", name: "example.com" },
  { zoneId: "ZEUEXAMPLE", name: "eu.example.com" },
  { zoneId: "ZOTHER", name: "other.org" },
];
const config: DeployConfig = { rootDir: ROOT, revision: "0123456789ab", apiToken: "t" };

async function synthesize(stage: string, domain?: CustomDomain) {
  const recorded = await mockStack(stage, ZONES);
  const stack = deploy(stage, { ...config, domain });
  await settle(stack.resources);
  const inputsOf = (type: string, name: string) => {
    const found = recorded.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name} was registered`);
    return found.inputs;
  };
  return { stack, recorded, inputsOf };
}

describe("with DOMAIN=api.example.com", () => {
  let stack: ReturnType<typeof deploy>;
  let inputsOf: (type: string, name: string) => Record<string, unknown>;
  const domainResources = () => {
    const resources = stack.resources.domain;
    if (!resources) throw new Error("no custom domain was declared");
    return resources;
  };

  beforeAll(async () => {
    await mockStack("domain", ZONES);
    const domain = await resolveCustomDomain({ DOMAIN: "api.example.com" });
    ({ stack, inputsOf } = await synthesize("domain", domain));
  });

  it("asks ACM for a certificate for the name, validated through DNS", () => {
    expect(inputsOf("aws:acm/certificate:Certificate", "DomainCertificate")).toMatchObject({
      domainName: "api.example.com",
      validationMethod: "DNS",
    });
  });

  it("writes ACM's validation record into the zone that holds the name", () => {
    expect(inputsOf("aws:route53/record:Record", "DomainValidationRecord")).toMatchObject({
      zoneId: "ZEXAMPLE",
      name: "_token.api.example.com.",
      type: "CNAME",
      records: ["_answer.acm-validations.aws."],
    });
  });

  it("waits for the validation, and the domain uses the validated certificate", async () => {
    const { certificate, validation, validationRecord, domainName } = domainResources();
    expect(await outputValue(validation.certificateArn)).toBe(await outputValue(certificate.arn));
    expect(await outputValue(validation.validationRecordFqdns)).toEqual([
      await outputValue(validationRecord.fqdn),
    ]);
    const { certificateArn } = await outputValue(domainName.domainNameConfiguration);
    expect(certificateArn).toBe(await outputValue(certificate.arn));
  });

  it("is a regional API Gateway domain with TLS 1.2 at least, reachable over IPv6 too", () => {
    const inputs = inputsOf("aws:apigatewayv2/domainName:DomainName", "DomainName");
    expect(inputs.domainName).toBe("api.example.com");
    expect(inputs.domainNameConfiguration).toMatchObject({
      endpointType: "REGIONAL",
      securityPolicy: "TLS_1_2",
      ipAddressType: "dualstack",
    });
  });

  it("maps the domain to the API's stage", async () => {
    const { api, stage } = stack.resources.api;
    const { mapping, domainName } = domainResources();
    expect(await outputValue(mapping.apiId)).toBe(await outputValue(api.id));
    expect(await outputValue(mapping.stage)).toBe(await outputValue(stage.id));
    expect(await outputValue(mapping.domainName)).toBe(await outputValue(domainName.id));
  });

  it.each([
    ["A", "DomainAliasA"],
    ["AAAA", "DomainAliasAAAA"],
  ])("points an alias %s record in the zone at the domain's target", (type, name) => {
    expect(inputsOf("aws:route53/record:Record", name)).toMatchObject({
      zoneId: "ZEXAMPLE",
      name: "api.example.com",
      type,
      aliases: [
        {
          name: "d-mock.execute-api.eu-central-1.amazonaws.com",
          zoneId: GATEWAY_ZONE_ID,
          evaluateTargetHealth: false,
        },
      ],
    });
  });

  it("outputs the https:// URL of the domain", () => {
    expect(stack.outputs.domainUrl).toBe("https://api.example.com");
  });
});

describe("without DOMAIN", () => {
  let recorded: RecordedResource[];
  let stack: ReturnType<typeof deploy>;

  beforeAll(async () => {
    await mockStack("plain", ZONES);
    const domain = await resolveCustomDomain({});
    ({ recorded, stack } = await synthesize("plain", domain));
  });

  it("declares no certificate, DNS record, custom domain or mapping", () => {
    const types = recorded.map((r) => r.type);
    expect(
      types.filter((t) => /^aws:(acm|route53)\//.test(t) || /domainName|apiMapping/.test(t)),
    ).toEqual([]);
  });

  it("outputs what it always did, and no domain URL", () => {
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
});

describe("finding the zone", () => {
  beforeAll(async () => {
    await mockStack("zones", ZONES);
  });

  it("takes the most specific public zone whose name ends the domain", async () => {
    expect(await resolveCustomDomain({ DOMAIN: "api.eu.example.com" })).toEqual({
      name: "api.eu.example.com",
      zoneId: "ZEUEXAMPLE",
      zoneName: "eu.example.com",
    });
  });

  it("takes the zone HOSTED_ZONE_ID names", async () => {
    const domain = await resolveCustomDomain({
      DOMAIN: "api.eu.example.com",
      HOSTED_ZONE_ID: "ZEXAMPLE",
    });
    expect(domain?.zoneId).toBe("ZEXAMPLE");
  });

  it("refuses a zone that does not contain the domain, saying so", async () => {
    await expect(
      resolveCustomDomain({ DOMAIN: "api.example.com", HOSTED_ZONE_ID: "ZOTHER" }),
    ).rejects.toThrow(
      "hosted zone ZOTHER is other.org, which does not contain DOMAIN api.example.com",
    );
  });

  it("refuses a domain no zone holds, naming the zones it looked for", async () => {
    await expect(resolveCustomDomain({ DOMAIN: "api.example.net" })).rejects.toThrow(
      "no public Route 53 hosted zone contains DOMAIN api.example.net (looked for api.example.net, example.net)",
    );
  });
});

describe("domain names", () => {
  it("lowercases and drops a trailing dot", () => {
    expect(parseDomainName("API.Example.com.")).toBe("api.example.com");
  });

  it.each([
    ["", "it is empty"],
    ["localhost", "at least two labels"],
    ["api..example.com", "an empty label"],
    ["-api.example.com", 'label "-api"'],
    ["api_1.example.com", 'label "api_1"'],
    ["https://api.example.com", 'label "https://api"'],
    ["api.example.123", "last label is a number"],
    [`${"a".repeat(64)}.example.com`, "must be 1-63"],
  ])("refuses %p: %s", (input, why) => {
    expect(() => parseDomainName(input)).toThrow(DomainConfigError);
    expect(() => parseDomainName(input)).toThrow(why);
  });
});
