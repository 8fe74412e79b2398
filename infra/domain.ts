import { acm, apigatewayv2, route53 } from "@pulumi/aws";
import type { CustomResourceOptions, Output } from "@pulumi/pulumi";
import { DomainConfigError, parseDomainName, zoneContains } from "./domain-name";

export { DomainConfigError, parseDomainName };

/** The custom domain a stage is served under, and the Route 53 zone that holds it. */
export interface CustomDomain {
  name: string;
  zoneId: string;
  zoneName: string;
}

/** The provider's answer when getZone matches nothing (terraform-provider-aws's singular find). */
const NO_ZONE = /no matching Route ?53 ?(Hosted )?Zone found/i;

async function zoneNamed(name: string): Promise<route53.GetZoneResult | undefined> {
  try {
    return await route53.getZone({ name, privateZone: false });
  } catch (error) {
    if (error instanceof Error && NO_ZONE.test(error.message)) return undefined;
    throw error;
  }
}

export interface DomainSettings {
  DOMAIN?: string;
  HOSTED_ZONE_ID?: string;
}

/**
 * Reads DOMAIN and HOSTED_ZONE_ID and finds the zone, before any resource is declared, so a bad
 * name or a zone that does not hold it stops the deploy with nothing created. Without DOMAIN
 * there is no custom domain. Without HOSTED_ZONE_ID the most specific public zone whose name
 * ends the domain is used.
 */
export async function resolveCustomDomain(
  settings: DomainSettings,
): Promise<CustomDomain | undefined> {
  const zoneId = settings.HOSTED_ZONE_ID?.trim() || undefined;
  if (!settings.DOMAIN?.trim()) {
    if (zoneId) throw new DomainConfigError("HOSTED_ZONE_ID is set without DOMAIN");
    return undefined;
  }
  const name = parseDomainName(settings.DOMAIN);
  if (zoneId) {
    const zone = await route53.getZone({ zoneId });
    const zoneName = zone.name.replace(/\.$/, "");
    if (!zoneContains(zoneName, name)) {
      throw new DomainConfigError(
        `hosted zone ${zoneId} is ${zoneName}, which does not contain DOMAIN ${name}`,
      );
    }
    return { name, zoneId: zone.zoneId, zoneName };
  }
  const labels = name.split(".");
  const candidates = labels.slice(0, -1).map((_, i) => labels.slice(i).join("."));
  for (const candidate of candidates) {
    const zone = await zoneNamed(candidate);
    if (zone) return { name, zoneId: zone.zoneId, zoneName: zone.name.replace(/\.$/, "") };
  }
  throw new DomainConfigError(
    `no public Route 53 hosted zone contains DOMAIN ${name} (looked for ${candidates.join(", ")}): ` +
      "create the zone, or name it with HOSTED_ZONE_ID",
  );
}

export const DOMAIN_ENDPOINT_TYPE = "REGIONAL";
export const DOMAIN_SECURITY_POLICY = "TLS_1_2";

export interface DomainInput {
  domain: CustomDomain;
  apiId: Output<string>;
  stageId: Output<string>;
}

/**
 * An ACM certificate validated through DNS records in the zone, the API Gateway custom domain
 * that serves it, the mapping to the stage, and A and AAAA aliases to the domain's target.
 */
export function customDomain(input: DomainInput, opts: CustomResourceOptions = {}) {
  const { domain } = input;
  // The default provider's region is the stage's, where a REGIONAL domain needs its certificate.
  const certificate = new acm.Certificate(
    "DomainCertificate",
    { domainName: domain.name, validationMethod: "DNS" },
    opts,
  );
  // One name and no alternative names: ACM asks for exactly one validation record.
  const option = certificate.domainValidationOptions.apply((options) => {
    const [first] = options;
    if (!first) throw new Error(`ACM gave no DNS validation record for ${domain.name}`);
    return first;
  });
  const validationRecord = new route53.Record(
    "DomainValidationRecord",
    {
      zoneId: domain.zoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 60,
      allowOverwrite: true,
    },
    opts,
  );
  const validation = new acm.CertificateValidation(
    "DomainCertificateValidation",
    { certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] },
    opts,
  );
  const domainName = new apigatewayv2.DomainName(
    "DomainName",
    {
      domainName: domain.name,
      domainNameConfiguration: {
        // The validation's ARN, so the domain waits until the certificate is issued.
        certificateArn: validation.certificateArn,
        endpointType: DOMAIN_ENDPOINT_TYPE,
        securityPolicy: DOMAIN_SECURITY_POLICY,
        ipAddressType: "dualstack",
      },
    },
    opts,
  );
  const mapping = new apigatewayv2.ApiMapping(
    "DomainApiMapping",
    { apiId: input.apiId, domainName: domainName.id, stage: input.stageId },
    opts,
  );
  const target = domainName.domainNameConfiguration;
  const alias = (type: "A" | "AAAA") =>
    new route53.Record(
      `DomainAlias${type}`,
      {
        zoneId: domain.zoneId,
        name: domain.name,
        type,
        aliases: [
          {
            name: target.targetDomainName,
            zoneId: target.hostedZoneId,
            evaluateTargetHealth: false,
          },
        ],
      },
      opts,
    );
  const aliases = { a: alias("A"), aaaa: alias("AAAA") };
  return {
    certificate,
    validationRecord,
    validation,
    domainName,
    mapping,
    aliases,
    url: `https://${domain.name}`,
  };
}
