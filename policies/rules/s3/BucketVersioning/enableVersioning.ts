import { bucketsWith } from "../../../lib/buckets";
import { sseS3LogBuckets } from "../../../lib/logBuckets";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { isRecord } from "../../../lib/values";

const S3_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";
const S3_VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2";

/**
 * Every S3 bucket must have versioning `Enabled` (an aws.s3.BucketVersioning, v7 or v6 V2 type,
 * matched by bucket name), so an overwrite or delete can be undone. Log destinations are the
 * exception, recognised as the pack's SSE-S3 exceptions are (an ALB's `accessLogs.bucket`, a
 * BucketLogging's `targetBucket`): AWS log delivery only adds new objects under unique keys, and
 * those buckets expire them by lifecycle. Advisory: it is recovery hygiene.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-14
 */
export const acmeS3BucketversioningEnableVersioning: AcmeStackPolicy = {
  name: "acme-s3-bucketversioning-enable-versioning",
  description: "Requires every S3 bucket that is not a log destination to enable versioning.",
  enforcementLevel: "advisory",
  severity: "low",
  controls: ["S3.14"],
  resourceType: S3_VERSIONING,
  // Not tagged with one type: it must run when the stack has buckets but no versioning.
  validateStack: (args, reportViolation) => {
    const buckets = bucketsWith(args, [S3_VERSIONING, S3_VERSIONING_V2]);
    let logBuckets: string[] | undefined;
    for (const { bucket, name, settings } of buckets) {
      const enabled = settings.some((v) => {
        const config: unknown = v.props.versioningConfiguration;
        return isRecord(config) && config.status === "Enabled";
      });
      if (enabled) {
        continue;
      }
      logBuckets ??= sseS3LogBuckets(args.resources);
      if (!logBuckets.includes(name)) {
        reportViolation(
          `S3 bucket ${bucket.name} is not versioned; attach an aws.s3.BucketVersioning with ` +
            'versioningConfiguration.status "Enabled".',
          bucket.urn,
        );
      }
    }
  },
};
