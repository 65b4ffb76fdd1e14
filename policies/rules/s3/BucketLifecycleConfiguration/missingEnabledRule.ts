import { bucketsWith } from "../../../lib/buckets";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { isRecord } from "../../../lib/values";

const S3_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const S3_LIFECYCLE_V2 = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2";

/**
 * Every S3 bucket must have a lifecycle configuration (matched by bucket name, v7 or v6 V2 type)
 * with at least one rule whose status is `Enabled`, so objects, old versions and abandoned
 * multipart uploads do not pile up forever. Advisory: it is storage hygiene.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-13
 */
export const acmeS3BucketlifecycleconfigurationMissingEnabledRule: AcmeStackPolicy = {
  name: "acme-s3-bucketlifecycleconfiguration-missing-enabled-rule",
  description:
    "Requires every S3 bucket to have a lifecycle configuration with at least one enabled rule.",
  enforcementLevel: "advisory",
  severity: "low",
  controls: ["S3.13"],
  resourceType: S3_LIFECYCLE,
  // Not tagged with one type: it must run when the stack has buckets but no lifecycle.
  validateStack: (args, reportViolation) => {
    for (const { bucket, settings } of bucketsWith(args, [S3_LIFECYCLE, S3_LIFECYCLE_V2])) {
      const enabled = settings.some((config) => {
        const rules: unknown = config.props.rules;
        return Array.isArray(rules) && rules.some((r) => isRecord(r) && r.status === "Enabled");
      });
      if (!enabled) {
        reportViolation(
          `S3 bucket ${bucket.name} has no lifecycle rule with status "Enabled"; attach an ` +
            "aws.s3.BucketLifecycleConfiguration that expires objects and aborts incomplete " +
            "multipart uploads.",
          bucket.urn,
        );
      }
    }
  },
};
