import { bucketsWith } from "../../../lib/buckets";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { describe, isRecord } from "../../../lib/values";

const S3_OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";

/**
 * Every S3 bucket must have an aws.s3.BucketOwnershipControls (matched by bucket name) with
 * `objectOwnership` `BucketOwnerEnforced`: ACLs are then disabled and ignored, so access is
 * decided by policies alone and the account owns every object, log deliveries included.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-12
 */
export const acmeS3BucketownershipcontrolsEnforceBucketOwnerEnforced: AcmeStackPolicy = {
  name: "acme-s3-bucketownershipcontrols-enforce-bucket-owner-enforced",
  description:
    "Requires every S3 bucket to disable ACLs with the BucketOwnerEnforced object ownership.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["S3.12"],
  resourceType: S3_OWNERSHIP_CONTROLS,
  // Not tagged with one type: it must run when the stack has buckets but no ownership controls.
  validateStack: (args, reportViolation) => {
    for (const { bucket, settings } of bucketsWith(args, [S3_OWNERSHIP_CONTROLS])) {
      if (settings.length === 0) {
        reportViolation(
          `S3 bucket ${bucket.name} has no ownership controls, so ACLs still grant access; ` +
            'attach an aws.s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".',
          bucket.urn,
        );
      }
      for (const controls of settings) {
        const rule: unknown = controls.props.rule;
        const ownership: unknown = isRecord(rule) ? rule.objectOwnership : undefined;
        if (ownership !== "BucketOwnerEnforced") {
          reportViolation(
            `S3 bucket ${bucket.name}: BucketOwnershipControls ${controls.name} sets ` +
              `rule.objectOwnership to ${describe(ownership)}; set it to "BucketOwnerEnforced" ` +
              "to disable ACLs.",
            bucket.urn,
          );
        }
      }
    }
  },
};
