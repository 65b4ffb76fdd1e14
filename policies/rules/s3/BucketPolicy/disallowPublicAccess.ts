import { reportPublicAllows } from "../../../lib/keyPolicy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";

const S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

/**
 * A bucket policy must not allow everyone: no `Allow` statement with Principal `"*"` unless a
 * condition pins the caller to accounts, organizations or the AWS service acting for them
 * (`aws:SourceAccount`, `aws:PrincipalOrgID`, ...). ACL grants are covered by
 * acme-s3-bucketownershipcontrols-enforce-bucket-owner-enforced, which disables ACLs.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-2
 */
export const acmeS3BucketpolicyDisallowPublicAccess: AcmeResourcePolicy = {
  name: "acme-s3-bucketpolicy-disallow-public-access",
  description:
    "Prohibits S3 bucket policy statements that allow any principal without a condition.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["S3.2"],
  resourceType: S3_BUCKET_POLICY,
  validateResource: validateResourceType(S3_BUCKET_POLICY, (args, reportViolation) => {
    reportPublicAllows(args.props.policy, reportViolation);
  }),
};
