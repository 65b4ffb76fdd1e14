import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe } from "../../../lib/values";

const ECR_REPOSITORY = "aws:ecr/repository:Repository";

/**
 * ECR repositories must make image tags immutable (`imageTagMutability: "IMMUTABLE"`): a pushed
 * tag then always names the same image, so a deployment that names a tag cannot be changed under
 * it by a later push. ECR's default is MUTABLE; `IMMUTABLE_WITH_EXCLUSION` is reported too, since
 * its excluded tags can be overwritten.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-2
 */
export const acmeEcrRepositoryEnforceImmutableTags: AcmeResourcePolicy = {
  name: "acme-ecr-repository-enforce-immutable-tags",
  description: "Requires ECR repositories to make image tags immutable.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ECR.2"],
  resourceType: ECR_REPOSITORY,
  validateResource: validateResourceType(ECR_REPOSITORY, (args, reportViolation) => {
    const mutability: unknown = args.props.imageTagMutability;
    if (mutability !== "IMMUTABLE") {
      reportViolation(
        `imageTagMutability is ${describe(mutability)}${mutability === undefined ? " (ECR's default is MUTABLE)" : ""}; ` +
          'set it to "IMMUTABLE" so a pushed tag always names the same image.',
      );
    }
  }),
};
