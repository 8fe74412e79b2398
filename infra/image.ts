import { join } from "node:path";
import { ecr } from "@pulumi/aws";
import { Image, Platform } from "@pulumi/docker-build";
import { type CustomResourceOptions, interpolate, type Output, secret } from "@pulumi/pulumi";

/** Lambda runs this one platform; it rejects image indexes, so exactly one is built. */
export const LAMBDA_PLATFORM = Platform.Linux_arm64;

/**
 * `@pulumi/docker-build` has no provenance or SBOM setting, and the buildx it embeds adds a
 * provenance attestation (an image index) unless this variable is true in its environment.
 */
export const NO_ATTESTATIONS_VARIABLE = "BUILDX_NO_DEFAULT_ATTESTATIONS";

/** The spellings Go's strconv.ParseBool, which buildx uses, reads as true. */
const TRUE_SPELLINGS = new Set(["1", "t", "T", "TRUE", "true", "True"]);

export class AttestationsEnabledError extends Error {
  override name = "AttestationsEnabledError";
}

/** Fails before anything is built when the image would be pushed as an index Lambda rejects. */
export function assertNoDefaultAttestations(env: Record<string, string | undefined>): void {
  const value = env[NO_ATTESTATIONS_VARIABLE];
  if (value === undefined || !TRUE_SPELLINGS.has(value)) {
    throw new AttestationsEnabledError(
      `${NO_ATTESTATIONS_VARIABLE}=1 must be set (make build sets it): without it buildx adds a ` +
        "provenance attestation and pushes an image index, which Lambda rejects",
    );
  }
}

export interface LambdaImageInput {
  repositoryUrl: Output<string>;
  registryId: Output<string>;
  /** Directory holding the Containerfile and the sources it copies. */
  rootDir: string;
  /** Git revision the image is tagged with. */
  revision: string;
  env?: Record<string, string | undefined>;
}

export function lambdaImage(input: LambdaImageInput, opts: CustomResourceOptions = {}) {
  assertNoDefaultAttestations(input.env ?? process.env);
  const token = ecr.getAuthorizationTokenOutput({ registryId: input.registryId }, opts);
  const image = new Image(
    "Image",
    {
      context: { location: input.rootDir },
      dockerfile: { location: join(input.rootDir, "Containerfile") },
      platforms: [LAMBDA_PLATFORM],
      push: true,
      tags: [interpolate`${input.repositoryUrl}:${input.revision}`],
      registries: [
        {
          address: input.repositoryUrl,
          username: token.userName,
          password: secret(token.password),
        },
      ],
      buildOnPreview: false,
    },
    opts,
  );
  /** Repository plus digest: the function runs exactly the manifest that was pushed. */
  const uri = interpolate`${input.repositoryUrl}@${image.digest}`;
  return { image, uri };
}
