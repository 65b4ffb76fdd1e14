/**
 * The buckets AWS log delivery writes to that accept only SSE-S3 default encryption: the pack's
 * exceptions to SSE-KMS (S3.17), recognised by how the stack uses them, not by a name or a tag.
 */
import type { PolicyResource } from "@pulumi/policy";
import { albAccessLogBuckets } from "./loadBalancers";

/** Server access logging, the v7 resource and its deprecated v6 name. */
export const S3_BUCKET_LOGGING_TYPES = [
  "aws:s3/bucketLogging:BucketLogging",
  "aws:s3/bucketLoggingV2:BucketLoggingV2",
];

/**
 * Names of the buckets a `BucketLogging` of the stack delivers S3 server access logs to (its
 * `targetBucket`). Server access logging supports only SSE-S3 on the destination bucket
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
 */
export function serverAccessLogBuckets(resources: readonly PolicyResource[]): string[] {
  return resources.flatMap((r) => {
    const target: unknown = S3_BUCKET_LOGGING_TYPES.includes(r.type)
      ? r.props.targetBucket
      : undefined;
    return typeof target === "string" ? [target] : [];
  });
}

/** Buckets that receive ALB access logs or S3 server access logs: SSE-S3 is required there. */
export function sseS3LogBuckets(resources: readonly PolicyResource[]): string[] {
  return [...albAccessLogBuckets(resources), ...serverAccessLogBuckets(resources)];
}
