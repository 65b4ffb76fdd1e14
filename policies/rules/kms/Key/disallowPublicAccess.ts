import { reportPublicAllows } from "../../../lib/keyPolicy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { KMS_KEY } from "../../../lib/resourceTypes";

/**
 * KMS key policies must not allow every AWS principal unless a condition pins the grant to an
 * account, organization or calling service.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-5
 */
export const acmeKmsKeyDisallowPublicAccess: AcmeResourcePolicy = {
  name: "acme-kms-key-disallow-public-access",
  description:
    "Prohibits KMS key policy statements that allow any AWS principal without an account, organization or service condition.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["KMS.5"],
  resourceType: KMS_KEY,
  validateResource: validateResourceType(KMS_KEY, (args, reportViolation) => {
    // Without a policy AWS attaches the default key policy, which grants only the owning account.
    reportPublicAllows(args.props.policy, reportViolation);
  }),
};
