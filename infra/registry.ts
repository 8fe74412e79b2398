import { ecr } from "@pulumi/aws";
import type { CustomResourceOptions } from "@pulumi/pulumi";
import type { StageSettings } from "./settings";

/** Images kept in the registry; older ones expire, the deployed one is always among them. */
export const IMAGES_KEPT = 10;

export function lifecycleRules(imagesKept: number = IMAGES_KEPT) {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Keep the last ${imagesKept} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: imagesKept },
        action: { type: "expire" },
      },
    ],
  };
}

export function imageRepository(settings: StageSettings, opts: CustomResourceOptions = {}) {
  const repository = new ecr.Repository(
    "Repository",
    {
      name: settings.resourcePrefix,
      imageScanningConfiguration: { scanOnPush: true },
      imageTagMutability: "MUTABLE",
      forceDelete: settings.protections.forceDeleteImages,
    },
    opts,
  );
  const lifecycle = new ecr.LifecyclePolicy(
    "RepositoryLifecycle",
    { repository: repository.name, policy: JSON.stringify(lifecycleRules()) },
    opts,
  );
  return { repository, lifecycle };
}
