// Named imports only: SST prepends `import * as aws` and `import * as sst` to every file it bundles.
import { spawnSync } from "node:child_process";
import { getRegionOutput } from "@pulumi/aws";
import type { Input, Output } from "@pulumi/pulumi";
import { httpApi } from "./api";
import { type CustomDomain, customDomain } from "./domain";
import { apiFunction } from "./function";
import { lambdaImage } from "./image";
import { monitoring } from "./monitoring";
import { imageRepository } from "./registry";
import { type StageOverrides, stageSettings } from "./settings";
import { endpointTable } from "./table";

export interface DeployConfig {
  /** Directory holding the Containerfile: the repository root. */
  rootDir: string;
  /** Git revision the image is tagged with. */
  revision: string;
  /** Bearer token for the management API; an SST secret, never a literal. */
  apiToken: Input<string>;
  overrides?: StageOverrides;
  /** A name of one's own for the API, from resolveCustomDomain; without it, only API Gateway's. */
  domain?: CustomDomain;
}

export { DomainConfigError, resolveCustomDomain } from "./domain";

/** What `sst deploy` prints and writes to `.sst/outputs.json`. The token is never among them. */
export interface DeployOutputs {
  stage: string;
  apiUrl: Output<string>;
  functionName: Output<string>;
  repositoryUrl: Output<string>;
  tableName: Output<string>;
  dashboardUrl: Output<string>;
  region: Output<string>;
  namespace: string;
  /** `https://` and the custom domain, when there is one; `make get` prefers it. */
  domainUrl?: string;
}

/** Every resource of one stage, and the outputs `run()` returns. */
export function deploy(stage: string, config: DeployConfig) {
  const settings = stageSettings(stage, config.overrides);
  const registry = imageRepository(settings);
  const { repository } = registry;
  const image = lambdaImage({
    repositoryUrl: repository.repositoryUrl,
    registryId: repository.registryId,
    rootDir: config.rootDir,
    revision: config.revision,
  });
  const data = endpointTable(settings);
  const { table } = data;
  const fnResources = apiFunction({
    settings,
    imageUri: image.uri,
    tableName: table.name,
    tableArn: table.arn,
    apiToken: config.apiToken,
  });
  const { fn } = fnResources;
  const api = httpApi({ settings, functionName: fn.name, functionInvokeArn: fn.invokeArn });
  const domain = config.domain
    ? customDomain({ domain: config.domain, apiId: api.api.id, stageId: api.stage.id })
    : undefined;
  const region = getRegionOutput().region;
  const watch = monitoring({
    settings,
    region,
    functionName: fn.name,
    apiId: api.api.id,
  });
  const outputs: DeployOutputs = {
    stage,
    apiUrl: api.url,
    functionName: fn.name,
    repositoryUrl: repository.repositoryUrl,
    tableName: table.name,
    dashboardUrl: watch.dashboardUrl,
    region,
    namespace: settings.metricsNamespace,
    ...(domain && { domainUrl: domain.url }),
  };
  return {
    settings,
    outputs,
    resources: { registry, image, data, function: fnResources, api, domain, monitoring: watch },
  };
}

/** The commit being deployed, marked when the working tree has uncommitted changes. */
export function currentRevision(rootDir: string): string {
  const git = (...args: string[]) => {
    const result = spawnSync("git", args, { cwd: rootDir, encoding: "utf8" });
    if (result.status !== 0) {
      throw new Error(`git ${args.join(" ")} failed: ${result.stderr || result.error?.message}`);
    }
    return result.stdout.trim();
  };
  const revision = git("rev-parse", "--short=12", "HEAD");
  return git("status", "--porcelain").length > 0 ? `${revision}-dirty` : revision;
}
