import { bucketsWith } from "../../../lib/buckets";
import { S3_BUCKET_LOGGING_TYPES, serverAccessLogBuckets } from "../../../lib/logBuckets";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { isNonEmptyString } from "../../../lib/values";

const S3_BUCKET = "aws:s3/bucket:Bucket";

/**
 * Every S3 bucket must deliver server access logs (an aws.s3.BucketLogging, or its v6 V2 name,
 * matched by bucket name) to another bucket of the stack. The destination is the one exception:
 * the bucket a BucketLogging of the stack names as `targetBucket` must not log (AWS: "your
 * destination bucket should not have server access logging enabled", it would log its own log
 * deliveries). A destination outside the stack is reported, because the pack cannot see how it is
 * protected.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-9
 */
export const acmeS3BucketEnableServerAccessLogging: AcmeStackPolicy = {
  name: "acme-s3-bucket-enable-server-access-logging",
  description:
    "Requires every S3 bucket except the log destination to deliver server access logs to a bucket of the stack.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["S3.9"],
  resourceType: S3_BUCKET,
  validateStack: (args, reportViolation) => {
    const buckets = bucketsWith(args, S3_BUCKET_LOGGING_TYPES);
    const destinations = serverAccessLogBuckets(args.resources);
    const names = new Set(buckets.map((b) => b.name));
    for (const { bucket, name, settings } of buckets) {
      if (destinations.includes(name)) {
        if (settings.length > 0) {
          reportViolation(
            `S3 bucket ${bucket.name} receives server access logs and logs itself too; remove ` +
              "its BucketLogging, a destination must not log its own deliveries.",
            bucket.urn,
          );
        }
        continue;
      }
      if (settings.length === 0) {
        reportViolation(
          `S3 bucket ${bucket.name} has no server access logging; attach an aws.s3.BucketLogging ` +
            "whose targetBucket is the stack's log bucket (ServerAccessLogBucket).",
          bucket.urn,
        );
        continue;
      }
      for (const logging of settings) {
        const target: unknown = logging.props.targetBucket;
        if (!isNonEmptyString(target) || !names.has(target)) {
          reportViolation(
            `S3 bucket ${bucket.name}: BucketLogging ${logging.name} delivers to ` +
              `${JSON.stringify(target)}, which is not a bucket of this stack; deliver to the ` +
              "stack's log bucket (ServerAccessLogBucket).",
            bucket.urn,
          );
        }
      }
    }
  },
};
