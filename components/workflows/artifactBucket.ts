/**
 * The S3 bucket Argo Workflows keeps artifacts and archived logs in: SSE-KMS with the platform's
 * data key, reachable only over TLS, versioned, never public, and emptied by lifecycle rules.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  encryptBucket,
  lockDownBucket,
  type AwsContext,
  policyDocument,
  PolicyStatement,
  REGION,
  throwIfInvalid,
  ValidationError,
  KMS_KEY_ARN,
} from "../lib";
import { logServerAccess, type ServerAccessLogging } from "../security/serverAccessLogBucket";

/** A key prefix for grants: no wildcard characters, no leading slash, ends in "/". */
const KEY_PREFIX = /^[A-Za-z0-9!_.'()-][A-Za-z0-9!_.'()/-]*\/$/;

const MAX_EXPIRATION_DAYS = 3650;
const DEFAULT_ABORT_MULTIPART_DAYS = 7;

/** Arguments of {@link ArtifactBucket}. */
export interface ArtifactBucketArgs extends Pick<AwsContext, "region"> {
  /**
   * ARN of the customer-managed KMS key for SSE-KMS (the platform's `data` key). It must be a key
   * ARN, not an alias, because the grants and the bucket policy name it.
   */
  kmsKeyArn: pulumi.Input<string>;
  /**
   * Days after which an artifact expires, from 1 to 3650. The bucket is versioned, so expiry makes
   * the artifact a noncurrent version, which `noncurrentVersionExpirationDays` then removes.
   */
  artifactExpirationDays: number;
  /**
   * Days a noncurrent (overwritten or deleted) version is kept before it is removed, from 1 to 3650.
   * This is how long an accidental overwrite or delete can be undone.
   */
  noncurrentVersionExpirationDays: number;
  /**
   * Days after which S3 aborts an unfinished multipart upload and deletes its parts, from 1 to 3650.
   * Parts of an upload that was never completed are billed but invisible in listings.
   * @default 7
   */
  abortIncompleteMultipartUploadDays?: number;
  /**
   * Deny uploads that ask for a different encryption: another algorithm (SSE-S3, DSSE) or another
   * KMS key. Uploads that name no encryption still get the bucket default (the data key).
   * @default true
   */
  denyOtherUploadEncryption?: boolean;
  /** Let `pulumi destroy` delete a bucket that still holds objects. @default false */
  forceDestroy?: boolean;
  /** Protect the bucket from `pulumi destroy`. */
  protect?: boolean;
  /**
   * Where the bucket delivers its S3 server access logs (S3.9): the stack's
   * {@link ServerAccessLogBucket}. Without it the bucket does not log requests, which the pack's
   * `acme-s3-bucket-enable-server-access-logging` rejects.
   */
  serverAccessLogs?: ServerAccessLogging;
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** Validates {@link ArtifactBucketArgs}; returns every problem. */
export function validateArtifactBucketArgs(args: ArtifactBucketArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (typeof args.kmsKeyArn === "string" && !KMS_KEY_ARN.test(args.kmsKeyArn)) {
    add(
      "kmsKeyArn",
      `"${args.kmsKeyArn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); pass the ` +
        "key's ARN, not an alias or key ID, so the grants and the bucket policy name the key IAM checks",
    );
  }
  if (typeof args.region !== "string" || !REGION.test(args.region)) {
    add("region", `"${String(args.region)}" is not an AWS Region code; use the form eu-west-1`);
  }
  const days = (path: string, value: unknown) => {
    if (!isIntegerIn(value, 1, MAX_EXPIRATION_DAYS)) {
      add(path, `must be an integer from 1 to ${MAX_EXPIRATION_DAYS} (days); got ${String(value)}`);
    }
  };
  days("artifactExpirationDays", args.artifactExpirationDays);
  days("noncurrentVersionExpirationDays", args.noncurrentVersionExpirationDays);
  days(
    "abortIncompleteMultipartUploadDays",
    args.abortIncompleteMultipartUploadDays ?? DEFAULT_ABORT_MULTIPART_DAYS,
  );
  return errors;
}

/**
 * An S3 bucket for workflow artifacts.
 *
 * - Encryption: SSE-KMS with the data key and an S3 Bucket Key, which cuts KMS requests by reusing
 *   a bucket-level data key. SSE-C uploads are blocked.
 * - Bucket policy: requests without TLS are denied. Unless disabled, uploads that ask for another
 *   algorithm or key are denied too.
 * - Versioning is on. All four public access block settings are on. Ownership is
 *   `BucketOwnerEnforced`, so ACLs are disabled and the account owns every object.
 * - Lifecycle: artifacts expire, then noncurrent versions, orphaned delete markers and unfinished
 *   multipart uploads are removed.
 * - Server access logs go to the stack's log bucket when `serverAccessLogs` names it.
 *
 * Roles get access through {@link grantReadWrite} and {@link grantRead}, which return IAM
 * statements scoped to this bucket and to the data key used through S3 for this bucket.
 */
export class ArtifactBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  /** The bucket's Region, for clients that need it (the Argo artifact repository). */
  public readonly region: string;
  /** The key objects are encrypted with (clients that name a key must name this one). */
  public readonly kmsKeyArn: pulumi.Input<string>;

  constructor(name: string, args: ArtifactBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("ArtifactBucket", validateArtifactBucketArgs(args));
    super("acme:workflows:ArtifactBucket", name, {}, opts);

    this.region = args.region;
    this.kmsKeyArn = args.kmsKeyArn;

    this.bucket = new aws.s3.Bucket(
      name,
      { forceDestroy: args.forceDestroy ?? false },
      { parent: this, protect: args.protect },
    );
    const bucket = this.bucket.bucket;
    this.bucketName = bucket;
    this.bucketArn = this.bucket.arn;

    const publicAccessBlock = lockDownBucket(name, bucket, { parent: this });
    encryptBucket(name, bucket, args.kmsKeyArn, { parent: this });
    const versioning = new aws.s3.BucketVersioning(
      name,
      { bucket, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
    // The policy waits for the public access block: S3 rejects concurrent changes to the two.
    new aws.s3.BucketPolicy(
      name,
      {
        bucket,
        policy: policyDocument(
          bucketPolicyStatements(
            this.bucketArn,
            args.kmsKeyArn,
            args.denyOtherUploadEncryption ?? true,
          ),
        ),
      },
      { parent: this, dependsOn: [publicAccessBlock] },
    );
    // Noncurrent-version rules need versioning to be on first.
    new aws.s3.BucketLifecycleConfiguration(
      name,
      {
        bucket,
        rules: [
          {
            id: "expire-artifacts",
            status: "Enabled",
            filter: {},
            expiration: { days: args.artifactExpirationDays },
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpirationDays },
            abortIncompleteMultipartUpload: {
              daysAfterInitiation:
                args.abortIncompleteMultipartUploadDays ?? DEFAULT_ABORT_MULTIPART_DAYS,
            },
          },
          {
            // A delete marker whose versions have all expired: S3 cannot combine this with `days`.
            id: "remove-expired-delete-markers",
            status: "Enabled",
            filter: {},
            expiration: { expiredObjectDeleteMarker: true },
          },
        ],
      },
      { parent: this, dependsOn: [versioning] },
    );

    if (args.serverAccessLogs) {
      logServerAccess(name, bucket, args.serverAccessLogs, { parent: this });
    }

    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }

  /**
   * IAM statements for a role that reads, writes and deletes artifacts: object actions under
   * `prefix` (the whole bucket by default), listing of this bucket, and the data key only through
   * S3 in this Region for this bucket. Render them with `policyDocument()`.
   */
  public grantReadWrite(prefix?: string): PolicyStatement[] {
    return this.grant(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], prefix, [
      "kms:Decrypt",
      "kms:GenerateDataKey",
    ]);
  }

  /** IAM statements for a role that only reads artifacts (the Argo server showing them). */
  public grantRead(prefix?: string): PolicyStatement[] {
    return this.grant(["s3:GetObject"], prefix, ["kms:Decrypt"]);
  }

  private grant(objectActions: string[], prefix: string | undefined, keyActions: string[]) {
    if (prefix !== undefined && !KEY_PREFIX.test(prefix)) {
      throw new Error(
        `ArtifactBucket grant: prefix "${prefix}" is not a key prefix; use letters, digits and ` +
          `!_.'()- separated by "/", ending in "/", without wildcards (e.g. "workflows/")`,
      );
    }
    const keys = prefix ?? "";
    const statements: PolicyStatement[] = [
      {
        Effect: "Allow",
        Action: objectActions,
        Resource: pulumi.interpolate`${this.bucketArn}/${keys}*`,
      },
      {
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: this.bucketArn,
        ...(prefix ? { Condition: { StringLike: { "s3:prefix": `${prefix}*` } } } : {}),
      },
      {
        // Only S3 may use the key for the role, and only for this bucket: S3 passes the bucket ARN
        // (Bucket Keys) or the object ARN as the encryption context.
        Effect: "Allow",
        Action: keyActions,
        Resource: this.kmsKeyArn,
        Condition: {
          StringEquals: { "kms:ViaService": `s3.${this.region}.amazonaws.com` },
          StringLike: {
            "kms:EncryptionContext:aws:s3:arn": [
              this.bucketArn,
              pulumi.interpolate`${this.bucketArn}/*`,
            ],
          },
        },
      },
    ];
    return statements;
  }
}

/** The bucket policy: TLS only and, when asked, no upload encryption other than the data key. */
function bucketPolicyStatements(
  bucketArn: pulumi.Output<string>,
  kmsKeyArn: pulumi.Input<string>,
  denyOtherUploadEncryption: boolean,
): PolicyStatement[] {
  const objects = pulumi.interpolate`${bucketArn}/*`;
  const statements: PolicyStatement[] = [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, objects],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ];
  if (denyOtherUploadEncryption) {
    // Only uploads that name an encryption are checked (`Null: false`): one that names none gets
    // the bucket default, the data key. (An `...IfExists` operator would deny those too.)
    statements.push(
      {
        Sid: "DenyOtherEncryptionAlgorithms",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: {
          Null: { "s3:x-amz-server-side-encryption": "false" },
          StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
        },
      },
      {
        Sid: "DenyOtherKmsKeys",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: {
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
          StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": kmsKeyArn },
        },
      },
    );
  }
  return statements;
}
