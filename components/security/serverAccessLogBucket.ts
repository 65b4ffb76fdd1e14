/**
 * The bucket every other bucket of the stack delivers its S3 server access logs to (S3.9), and the
 * `aws.s3.BucketLogging` that points a bucket at it.
 *
 * S3 server access logging accepts default encryption on the destination bucket only with SSE-S3
 * ("Default server-side encryption with AWS KMS keys (SSE-KMS) is not supported for server access
 * logging destination buckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html), so this
 * bucket is encrypted with SSE-S3, the pack's second recorded exception to SSE-KMS after the ALB
 * access-log bucket (policies/README.md). The same page asks that the destination bucket not log
 * to itself and not use Object Lock default retention; with `BucketOwnerEnforced` the log delivery
 * service is granted by the bucket policy, not by an ACL.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  denyInsecureBucketTransport,
  encryptBucket,
  expireLogObjects,
  lockDownBucket,
  type AwsContext,
  policyDocument,
  type PolicyStatement,
  throwIfInvalid,
  type ValidationError,
  AWS_ACCOUNT_ID,
} from "../lib";

/** Arguments of {@link ServerAccessLogBucket}. */
export interface ServerAccessLogBucketArgs extends Pick<AwsContext, "accountId"> {
  /**
   * Days a log object is kept: any whole number from 1 (S3 lifecycle expiration has no upper
   * bound), so every CloudWatch Logs retention period, 3653 days included, is accepted here.
   */
  retentionDays: number;
  /** Let `pulumi destroy` delete the bucket with its logs in it. @default false */
  forceDestroy?: boolean;
  /** Protect the bucket from `pulumi destroy`. @default false */
  protect?: boolean;
}

/** Validates {@link ServerAccessLogBucketArgs}; returns every problem. */
export function validateServerAccessLogBucketArgs(
  args: ServerAccessLogBucketArgs,
): ValidationError[] {
  const errors: ValidationError[] = [];
  if (typeof args.accountId === "string" && !AWS_ACCOUNT_ID.test(args.accountId)) {
    errors.push({
      propertyPath: "accountId",
      reason: `"${String(args.accountId)}" is not a 12-digit AWS account ID`,
    });
  }
  const days = args.retentionDays;
  if (typeof days !== "number" || !Number.isInteger(days) || days < 1) {
    errors.push({
      propertyPath: "retentionDays",
      reason: `must be a whole number of days, at least 1; got ${String(days)}`,
    });
  }
  return errors;
}

/**
 * The bucket policy: TLS only, and S3's log delivery (`logging.s3.amazonaws.com`) may write
 * objects only for source buckets of `accountId`, the account the stack's buckets belong to.
 */
function serverAccessLogBucketStatements(v: {
  bucketArn: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
}): PolicyStatement[] {
  return [
    denyInsecureBucketTransport(v.bucketArn),
    {
      Sid: "AllowS3ServerAccessLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: pulumi.interpolate`${v.bucketArn}/*`,
      Condition: { StringEquals: { "aws:SourceAccount": v.accountId } },
    },
  ];
}

/** The destination bucket of the stack's S3 server access logs. */
export class ServerAccessLogBucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  /**
   * The bucket's name, resolved only once its policy exists: a `BucketLogging` that takes it
   * waits for the policy that lets S3 deliver.
   */
  public readonly targetBucket: pulumi.Output<string>;

  constructor(
    name: string,
    args: ServerAccessLogBucketArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    throwIfInvalid("ServerAccessLogBucket", validateServerAccessLogBucketArgs(args));
    super("acme:security:ServerAccessLogBucket", name, {}, opts);
    const child = { parent: this };

    const bucket = new aws.s3.Bucket(
      name,
      { forceDestroy: args.forceDestroy ?? false },
      { ...child, protect: args.protect ?? false },
    );
    const bucketName = bucket.bucket;
    const publicAccessBlock = lockDownBucket(name, bucketName, child);
    const encryption = encryptBucket(name, bucketName, undefined, child);
    expireLogObjects(
      name,
      bucketName,
      { ruleId: "expire-server-access-logs", days: args.retentionDays },
      child,
    );
    // The policy waits for the public access block: S3 rejects concurrent changes to the two.
    const policy = new aws.s3.BucketPolicy(
      name,
      {
        bucket: bucketName,
        policy: policyDocument(
          serverAccessLogBucketStatements({ bucketArn: bucket.arn, accountId: args.accountId }),
        ),
      },
      { ...child, dependsOn: [publicAccessBlock, encryption] },
    );

    this.bucketName = bucketName;
    this.targetBucket = policy.bucket;
    this.registerOutputs({ bucketName: this.bucketName });
  }
}

/** Where a bucket delivers its server access logs. */
export interface ServerAccessLogging {
  /** {@link ServerAccessLogBucket.targetBucket}. */
  targetBucket: pulumi.Input<string>;
}

/**
 * Turns on server access logging for `bucket`, under `<bucket name>/` in the destination bucket.
 * Components call it with their own name and `{ parent: this }`.
 */
export function logServerAccess(
  name: string,
  bucket: pulumi.Input<string>,
  logging: ServerAccessLogging,
  opts: pulumi.CustomResourceOptions,
): aws.s3.BucketLogging {
  return new aws.s3.BucketLogging(
    name,
    {
      bucket,
      targetBucket: logging.targetBucket,
      targetPrefix: pulumi.interpolate`${bucket}/`,
    },
    opts,
  );
}
