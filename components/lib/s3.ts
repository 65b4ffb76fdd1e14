/**
 * What every bucket this project creates gets, whatever it holds: object ownership enforced by the
 * bucket owner (ACLs off, S3.12) and all four public-access blocks on (S3.8). Defined once here;
 * encryption, policy, logging and lifecycle differ per bucket and stay with its component.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport, type PolicyStatement } from "./iam";

/**
 * Registers the ownership controls and the public access block of `bucket` under `name`, with
 * `opts` (the caller's parent); returns the block, which a bucket policy should depend on (S3
 * refuses some policies while the block is being applied).
 */
export function lockDownBucket(
  name: string,
  bucket: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): aws.s3.BucketPublicAccessBlock {
  new aws.s3.BucketOwnershipControls(
    name,
    { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
    opts,
  );
  return new aws.s3.BucketPublicAccessBlock(
    name,
    {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
}

/**
 * Registers `bucket`'s default encryption under `name`: SSE-KMS with `kmsKeyArn` and an S3 Bucket
 * Key, or SSE-S3 (AES256) when `kmsKeyArn` is undefined (the only encryption S3 server access log
 * and ELB access log delivery accept). Customer-provided keys (SSE-C) are refused either way.
 */
export function encryptBucket(
  name: string,
  bucket: pulumi.Input<string>,
  kmsKeyArn: pulumi.Input<string> | undefined,
  opts: pulumi.CustomResourceOptions,
): aws.s3.BucketServerSideEncryptionConfiguration {
  return new aws.s3.BucketServerSideEncryptionConfiguration(
    name,
    {
      bucket,
      rules: [
        kmsKeyArn === undefined
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
              blockedEncryptionTypes: ["SSE-C"],
            }
          : {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: kmsKeyArn,
              },
              bucketKeyEnabled: true,
              blockedEncryptionTypes: ["SSE-C"],
            },
      ],
    },
    opts,
  );
}

/** TLS only, for the bucket `bucketArn` and every object in it (S3.5). */
export function denyInsecureBucketTransport(bucketArn: pulumi.Input<string>): PolicyStatement {
  return denyInsecureTransport("s3:*", [bucketArn, pulumi.interpolate`${bucketArn}/*`]);
}

/**
 * Registers a log bucket's lifecycle under `name`: one rule, `ruleId`, that expires every object
 * `days` after it was written and aborts uploads left incomplete for a day.
 */
export function expireLogObjects(
  name: string,
  bucket: pulumi.Input<string>,
  rule: { ruleId: string; days: number },
  opts: pulumi.CustomResourceOptions,
): aws.s3.BucketLifecycleConfiguration {
  return new aws.s3.BucketLifecycleConfiguration(
    name,
    {
      bucket,
      rules: [
        {
          id: rule.ruleId,
          status: "Enabled",
          filter: {},
          expiration: { days: rule.days },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    },
    opts,
  );
}
