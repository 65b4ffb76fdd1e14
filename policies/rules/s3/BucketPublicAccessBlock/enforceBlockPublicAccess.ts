import { bucketsWith } from "../../../lib/buckets";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { describe } from "../../../lib/values";

const S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const SETTINGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

const FIX =
  "set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.";

/**
 * Every S3 bucket must have a public access block with all four settings on, so that neither an
 * ACL nor a bucket policy can make it or its objects public, whatever the account-level settings
 * are. The block is an aws.s3.BucketPublicAccessBlock matched by bucket name. A bucket whose name
 * is not known yet cannot be matched and is left undecided.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-8
 */
export const acmeS3BucketpublicaccessblockEnforceBlockPublicAccess: AcmeStackPolicy = {
  name: "acme-s3-bucketpublicaccessblock-enforce-block-public-access",
  description:
    "Requires every S3 bucket to have a public access block with all four settings enabled.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["S3.8"],
  resourceType: S3_PUBLIC_ACCESS_BLOCK,
  // Not tagged with one type: it must run when the stack has buckets but no block.
  validateStack: (args, reportViolation) => {
    for (const { bucket, settings: attached } of bucketsWith(args, [S3_PUBLIC_ACCESS_BLOCK])) {
      if (attached.length === 0) {
        reportViolation(
          `S3 bucket ${bucket.name} has no public access block; attach an ` +
            `aws.s3.BucketPublicAccessBlock and ${FIX}`,
          bucket.urn,
        );
      }
      for (const block of attached) {
        const off = SETTINGS.filter((s) => block.props[s] !== true);
        if (off.length > 0) {
          const settings = off.map((s) => `${s} is ${describe(block.props[s])}`).join(", ");
          reportViolation(
            `S3 bucket ${bucket.name}: BucketPublicAccessBlock ${block.name} leaves public ` +
              `access open (${settings}); ${FIX}`,
            bucket.urn,
          );
        }
      }
    }
  },
};
