import { join } from "node:path";
import { ecr } from "@pulumi/aws";
import { Image, Platform } from "@pulumi/docker-build";
import { type CustomResourceOptions, interpolate, type Output, secret } from "@pulumi/pulumi";

/**
 * Lambda runs this one platform; it rejects image indexes, so exactly one is built. No provenance
 * index is added either: docker-build 0.0.22 passes buildx `Attests: {provenance: nil}`
 * (provider/internal/client.go), and buildx 0.35 adds its default only when that key is absent.
 */
export const LAMBDA_PLATFORM = Platform.Linux_arm64;

export interface LambdaImageInput {
  repositoryUrl: Output<string>;
  registryId: Output<string>;
  /** Directory holding the Containerfile and the sources it copies. */
  rootDir: string;
  /** Git revision the image is tagged with. */
  revision: string;
}

export function lambdaImage(input: LambdaImageInput, opts: CustomResourceOptions = {}) {
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
