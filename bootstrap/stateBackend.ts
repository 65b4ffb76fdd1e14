/**
 * The Pulumi DIY backend of one AWS account: an S3 state bucket encrypted with its own key, and
 * the `awskms://` secrets-provider key, with the IAM statements that give a CI role access to the
 * state of one stack.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  denyInsecureBucketTransport,
  encryptBucket,
  lockDownBucket,
  policyDocument,
  type PolicyStatement,
} from "../components/lib";

/**
 * Where the DIY backend keeps a stack's files (project-scoped layout, `.pulumi/meta.yaml`
 * version 1): `stacks/<project>/<stack>.json` (plus `.json.gz`/`.json.bak`), update history,
 * backups and locks. https://www.pulumi.com/docs/iac/concepts/state-and-backends/#diy-backend
 */
export function stackStateKeys(project: string, stack: string) {
  return {
    meta: ".pulumi/meta.yaml",
    checkpoint: `.pulumi/stacks/${project}/${stack}.json*`,
    history: `.pulumi/history/${project}/${stack}/*`,
    backups: `.pulumi/backups/${project}/${stack}/*`,
    locks: `.pulumi/locks/${project}/${stack}/*`,
  };
}

/** Arguments of {@link StateBackend}. */
export interface StateBackendArgs extends AwsContext {
  /** The state bucket's physical name (the backend URL is `s3://<bucketName>?region=<region>`). */
  bucketName: string;
  /** Days a noncurrent state version is kept. */
  noncurrentVersionExpirationDays: number;
  /** Noncurrent versions kept whatever their age. */
  newerNoncurrentVersions: number;
  /** Days after which an unfinished multipart upload is aborted. */
  abortIncompleteMultipartUploadDays: number;
  /** The secrets key's alias, `alias/<name>`. */
  secretsKeyAlias: string;
  /** The keys' deletion waiting period (7-30). */
  keyDeletionWindowInDays: number;
}

/**
 * The state bucket and the two keys. The bucket and both keys are protected: losing any of them
 * loses every stack's state or every stack's secrets.
 *
 * - State key and secrets key: customer-managed, rotated yearly, key policy naming only the
 *   account (IAM policies in the account decide who uses them).
 * - Bucket: SSE-KMS with the state key and an S3 Bucket Key, SSE-C blocked; versioned; all four
 *   public access block settings; BucketOwnerEnforced; a policy denying non-TLS requests and any
 *   principal outside the account; noncurrent versions and unfinished uploads expire.
 */
export class StateBackend extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  public readonly stateKeyArn: pulumi.Output<string>;
  public readonly secretsKeyArn: pulumi.Output<string>;
  /** `s3://<bucket>?region=<region>`: what `pulumi login` takes. */
  public readonly backendUrl: pulumi.Output<string>;
  /** `awskms://<alias>?region=<region>`: what `pulumi stack init --secrets-provider` takes. */
  public readonly secretsProvider: string;
  private readonly region: string;

  constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("acme:bootstrap:StateBackend", name, {}, opts);
    this.region = args.region;
    const root = pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:root`;
    const key = (suffix: string, description: string) =>
      new aws.kms.Key(
        `${name}-${suffix}`,
        {
          description,
          keyUsage: "ENCRYPT_DECRYPT",
          customerMasterKeySpec: "SYMMETRIC_DEFAULT",
          enableKeyRotation: true,
          rotationPeriodInDays: 365,
          deletionWindowInDays: args.keyDeletionWindowInDays,
          bypassPolicyLockoutSafetyCheck: false,
          // Account only: the root principal enables IAM policies of this account and nothing else.
          policy: policyDocument([
            {
              Sid: "AccountAdministration",
              Effect: "Allow",
              Principal: { AWS: root },
              Action: "kms:*",
              Resource: "*",
            },
          ]),
        },
        { parent: this, protect: true },
      );
    const stateKey = key("state", "Pulumi state bucket (SSE-KMS)");
    const secretsKey = key("secrets", "Pulumi secrets provider (awskms://)");
    new aws.kms.Alias(
      `${name}-secrets`,
      { name: args.secretsKeyAlias, targetKeyId: secretsKey.keyId },
      { parent: this },
    );
    this.stateKeyArn = stateKey.arn;
    this.secretsKeyArn = secretsKey.arn;
    this.secretsProvider = `awskms://${args.secretsKeyAlias}?region=${args.region}`;

    this.bucket = new aws.s3.Bucket(
      name,
      { bucket: args.bucketName, forceDestroy: false },
      { parent: this, protect: true },
    );
    const bucket = this.bucket.bucket;
    this.bucketName = bucket;
    this.bucketArn = this.bucket.arn;
    this.backendUrl = pulumi.interpolate`s3://${bucket}?region=${args.region}`;

    const publicAccessBlock = lockDownBucket(name, bucket, { parent: this });
    encryptBucket(name, bucket, stateKey.arn, { parent: this });
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
        policy: policyDocument(stateBucketPolicyStatements(this.bucketArn, args.accountId)),
      },
      { parent: this, dependsOn: [publicAccessBlock] },
    );
    // Current state is never expired: only superseded versions and abandoned uploads.
    new aws.s3.BucketLifecycleConfiguration(
      name,
      {
        bucket,
        rules: [
          {
            id: "expire-noncurrent-state-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: {
              noncurrentDays: args.noncurrentVersionExpirationDays,
              newerNoncurrentVersions: args.newerNoncurrentVersions,
            },
            abortIncompleteMultipartUpload: {
              daysAfterInitiation: args.abortIncompleteMultipartUploadDays,
            },
          },
          {
            id: "remove-expired-delete-markers",
            status: "Enabled",
            filter: {},
            expiration: { expiredObjectDeleteMarker: true },
          },
        ],
      },
      { parent: this, dependsOn: [versioning] },
    );

    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      stateKeyArn: this.stateKeyArn,
      secretsKeyArn: this.secretsKeyArn,
      backendUrl: this.backendUrl,
    });
  }

  /**
   * Read access to one stack's state: its checkpoint and the backend's meta file, listing under
   * `.pulumi/`, the state key through S3 for this bucket, and decryption with the secrets key.
   * `pulumi preview` on a DIY backend takes no lock and writes nothing
   * (https://github.com/pulumi/pulumi/pull/8642), so this is all a preview needs.
   */
  public grantStackRead(project: string, stack: string): PolicyStatement[] {
    const keys = stackStateKeys(project, stack);
    return [
      {
        Sid: "ReadThisStacksState",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: [keys.meta, keys.checkpoint].map(
          (k) => pulumi.interpolate`${this.bucketArn}/${k}`,
        ),
      },
      this.listStatement(),
      this.stateKeyStatement(["kms:Decrypt"]),
      {
        Sid: "DecryptStackSecrets",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: this.secretsKeyArn,
      },
    ];
  }

  /**
   * Read and write access to one stack's state, history, backups and locks (`pulumi up`), and
   * the secrets key to encrypt new secrets.
   */
  public grantStackReadWrite(project: string, stack: string): PolicyStatement[] {
    const keys = stackStateKeys(project, stack);
    const objects = (list: string[]) => list.map((k) => pulumi.interpolate`${this.bucketArn}/${k}`);
    return [
      {
        Sid: "ReadTheBackendMeta",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: objects([keys.meta]),
      },
      {
        Sid: "ReadWriteThisStacksState",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: objects([keys.checkpoint, keys.history, keys.backups, keys.locks]),
      },
      this.listStatement(),
      this.stateKeyStatement(["kms:Decrypt", "kms:GenerateDataKey"]),
      {
        Sid: "UseStackSecretsKey",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
        Resource: this.secretsKeyArn,
      },
    ];
  }

  private listStatement(): PolicyStatement {
    return {
      Sid: "ListTheBackend",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: this.bucketArn,
      Condition: { StringLike: { "s3:prefix": ".pulumi/*" } },
    };
  }

  /** The state key, only through S3 in this Region and only for this bucket (Bucket Key context). */
  private stateKeyStatement(actions: string[]): PolicyStatement {
    return {
      Sid: "StateKeyThroughS3",
      Effect: "Allow",
      Action: actions,
      Resource: this.stateKeyArn,
      Condition: {
        StringEquals: {
          "kms:ViaService": `s3.${this.region}.amazonaws.com`,
          "kms:EncryptionContext:aws:s3:arn": this.bucketArn,
        },
      },
    };
  }
}

/**
 * The state bucket's policy: no request without TLS, and no principal outside the account (a
 * grant an IAM policy of another account makes cannot reach the state).
 */
export function stateBucketPolicyStatements(
  bucketArn: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
): PolicyStatement[] {
  const resources = [bucketArn, pulumi.interpolate`${bucketArn}/*`];
  return [
    denyInsecureBucketTransport(bucketArn),
    {
      Sid: "DenyOtherAccounts",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { StringNotEquals: { "aws:PrincipalAccount": accountId } },
    },
  ];
}
