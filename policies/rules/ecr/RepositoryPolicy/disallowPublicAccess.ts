import { reportPublicAllows } from "../../../lib/keyPolicy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";

const ECR_REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy";

/**
 * An ECR repository policy must not allow everyone: no `Allow` statement with Principal `"*"`
 * unless a condition pins the caller to accounts or organizations. The platform's repositories
 * have no policy today; the rule keeps one from making images public.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html
 */
export const acmeEcrRepositorypolicyDisallowPublicAccess: AcmeResourcePolicy = {
  name: "acme-ecr-repositorypolicy-disallow-public-access",
  description:
    "Prohibits ECR repository policy statements that allow any principal without a condition.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["CKV_AWS_32"],
  resourceType: ECR_REPOSITORY_POLICY,
  validateResource: validateResourceType(ECR_REPOSITORY_POLICY, (args, reportViolation) => {
    reportPublicAllows(args.props.policy, reportViolation);
  }),
};
