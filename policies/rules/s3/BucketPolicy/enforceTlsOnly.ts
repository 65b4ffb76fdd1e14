import { bucketsWith } from "../../../lib/buckets";
import { checkTlsOnly, deniesEveryoneWithoutTls } from "../../../lib/keyPolicy";
import type { AcmeStackPolicy } from "../../../lib/policy";

const S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

const FIX =
  'a statement that denies Principal "*" every S3 action ("s3:*") on the bucket and its objects ' +
  '(Resource [<bucket ARN>, "<bucket ARN>/*"]) under {"Bool": {"aws:SecureTransport": "false"}}.';

/**
 * Every S3 bucket must have a policy that denies requests not sent over TLS. S3 also answers on
 * plain HTTP endpoints, and only a bucket policy can refuse those requests. The policy can come
 * from an aws.s3.BucketPolicy (matched by bucket name) or from the bucket's own deprecated
 * `policy`, so the check runs on the whole stack. A bucket whose name is not known yet cannot be
 * matched and is left undecided.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-5
 */
export const acmeS3BucketpolicyEnforceTlsOnly: AcmeStackPolicy = {
  name: "acme-s3-bucketpolicy-enforce-tls-only",
  description: "Requires every S3 bucket to have a policy that denies requests made without TLS.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["S3.5"],
  resourceType: S3_BUCKET_POLICY,
  // Not tagged with one type: it must run when the stack has buckets but no bucket policy.
  validateStack: (args, reportViolation) => {
    for (const { bucket, settings: attached } of bucketsWith(args, [S3_BUCKET_POLICY])) {
      checkTlsOnly(
        bucket,
        attached,
        {
          kind: "S3 bucket",
          policyKind: "BucketPolicy",
          attach: "an aws.s3.BucketPolicy",
          fix: FIX,
          enforcesTls: (policy) =>
            deniesEveryoneWithoutTls(policy, ["*", "s3:*"], () => [
              String(bucket.props.arn),
              `${String(bucket.props.arn)}/*`,
            ]),
        },
        reportViolation,
      );
    }
  },
};
