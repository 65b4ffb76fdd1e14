import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";

const ECR_REPOSITORY = "aws:ecr/repository:Repository";
const ECR_LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy";

/**
 * Every ECR repository must have a lifecycle policy in the stack: an
 * `aws.ecr.LifecyclePolicy` whose `repository` is the repository's name. Without one, images
 * accumulate until the repository's quota, and old vulnerable images stay pullable. A repository
 * or policy whose name is not known yet cannot be matched and is left undecided.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-3
 */
export const acmeEcrRepositoryMissingLifecyclePolicy: AcmeStackPolicy = {
  name: "acme-ecr-repository-missing-lifecycle-policy",
  description: "Requires every ECR repository to have a lifecycle policy.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ECR.3"],
  resourceType: ECR_REPOSITORY,
  validateStack: validateStackResourcesType(
    ECR_REPOSITORY,
    (repositories, args, reportViolation) => {
      const policies = args.resources.filter((r) => r.type === ECR_LIFECYCLE_POLICY);
      for (const repository of repositories) {
        const name: unknown = repository.props.name;
        if (!policies.some((p) => p.props.repository === name)) {
          reportViolation(
            `ECR repository ${repository.name} has no lifecycle policy; add an ` +
              "aws.ecr.LifecyclePolicy whose repository is this repository's name, so old images expire.",
            repository.urn,
          );
        }
      }
    },
  ),
};
