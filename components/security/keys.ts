/**
 * Customer-managed KMS keys, one per data domain, so that a grant on one kind of data never
 * reaches another: queue messages cannot be decrypted with the permission that reads logs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alertsKeyStatements } from "../observability/alarms";
import {
  type AwsContext,
  logDeliveryKeyStatement,
  policyDocument,
  PolicyStatement,
  throwIfInvalid,
  ValidationError,
} from "../lib";

/** The data domains that get a key of their own. */
export const KeyDomain = {
  /** Queue messages, topic records and workflow artifacts. */
  Data: "data",
  /** CloudWatch log groups (flow logs, control-plane logs, broker logs). */
  Logs: "logs",
  /** Kubernetes Secrets, envelope-encrypted by EKS. */
  ClusterSecrets: "cluster-secrets",
  /** EBS volumes: node root volumes and persistent volumes. */
  Volumes: "volumes",
  /** SNS alert topics, which CloudWatch alarms publish to. */
  Alerts: "alerts",
} as const;
export type KeyDomain = (typeof KeyDomain)[keyof typeof KeyDomain];

/** Arguments of {@link PlatformKeys}. */
export interface PlatformKeysArgs extends AwsContext {
  /** Prefix of the alias names: keys are `alias/<aliasPrefix>/<domain>`. Unique per account and Region. */
  aliasPrefix: string;
  /**
   * Days AWS waits before deleting a key scheduled for deletion (7 to 30).
   * @default 30 (the longest window: the only undo for a mistaken deletion)
   */
  deletionWindowInDays?: number;
  /** Protect the keys from `pulumi destroy` (a deleted key makes its data unreadable). */
  protect?: boolean;
  /**
   * Resources encrypted with the data key deliver vended logs (the Step Functions engine's state
   * machine and pipe): the data key's policy then lets `delivery.logs.amazonaws.com` decrypt for
   * this account's log groups ({@link logDeliveryKeyStatement}). Without it, their execution logs
   * never reach CloudWatch Logs.
   * @default false
   */
  dataKeyLogDelivery?: boolean;
}

/** Validates {@link PlatformKeysArgs}; returns every problem. */
export function validatePlatformKeysArgs(args: PlatformKeysArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const window = args.deletionWindowInDays ?? 30;
  if (!Number.isInteger(window) || window < 7 || window > 30) {
    errors.push({
      propertyPath: "deletionWindowInDays",
      reason: `must be an integer from 7 to 30 (got ${window}); AWS rejects other values`,
    });
  }
  if (!/^[a-zA-Z0-9/_-]+$/.test(args.aliasPrefix) || args.aliasPrefix.startsWith("aws")) {
    errors.push({
      propertyPath: "aliasPrefix",
      reason: `"${args.aliasPrefix}" is not a valid alias prefix; use letters, digits, "/", "_" and "-", not starting with "aws"`,
    });
  }
  return errors;
}

/** The cryptographic operations a service needs to use (not manage) a key. */
const USE_ACTIONS = [
  "kms:Encrypt*",
  "kms:Decrypt*",
  "kms:ReEncrypt*",
  "kms:GenerateDataKey*",
  "kms:DescribeKey",
];

/**
 * Four customer-managed symmetric keys with rotation, aliases and least-privilege key policies.
 *
 * Every key policy starts with the account root statement, which is what lets IAM policies in the
 * account grant use of the key (AWS's default key policy); the grants themselves are IAM
 * statements produced by the components that own the data, scoped with `kms:ViaService`. Service
 * principals appear only where a service calls KMS in its own name, each narrowed by an encryption
 * context or the calling account.
 */
export class PlatformKeys extends pulumi.ComponentResource {
  public readonly keys: Readonly<Record<KeyDomain, aws.kms.Key>>;
  public readonly aliases: Readonly<Record<KeyDomain, aws.kms.Alias>>;
  public readonly dataKeyArn: pulumi.Output<string>;
  public readonly logsKeyArn: pulumi.Output<string>;
  public readonly clusterSecretsKeyArn: pulumi.Output<string>;
  public readonly volumesKeyArn: pulumi.Output<string>;
  public readonly alertsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: PlatformKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("PlatformKeys", validatePlatformKeysArgs(args));
    super("acme:security:PlatformKeys", name, {}, opts);

    const deletionWindowInDays = args.deletionWindowInDays ?? 30;
    const root = pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:root`;
    const rootStatement: PolicyStatement = {
      Sid: "AccountAdministration",
      Effect: "Allow",
      Principal: { AWS: root },
      Action: "kms:*",
      Resource: "*",
    };

    const autoScalingRoleOnly = {
      ArnEquals: {
        "aws:PrincipalArn": autoScalingServiceLinkedRoleArn(args.partition, args.accountId),
      },
      StringEquals: { "aws:PrincipalAccount": args.accountId },
    };
    const serviceStatements: Record<KeyDomain, PolicyStatement[]> = {
      [KeyDomain.Alerts]: alertsKeyStatements(args.region, args.accountId, args.partition),
      [KeyDomain.Data]: args.dataKeyLogDelivery
        ? [logDeliveryKeyStatement(args.region, args.accountId, args.partition)]
        : [],
      [KeyDomain.ClusterSecrets]: [],
      [KeyDomain.Logs]: [
        {
          // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
          Sid: "CloudWatchLogsInThisAccount",
          Effect: "Allow",
          Principal: { Service: `logs.${args.region}.amazonaws.com` },
          Action: USE_ACTIONS,
          Resource: "*",
          Condition: {
            ArnLike: {
              "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${args.partition}:logs:${args.region}:${args.accountId}:log-group:*`,
            },
          },
        },
      ],
      [KeyDomain.Volumes]: [
        // Managed node groups launch through EC2 Auto Scaling, whose service-linked role must use
        // the key for encrypted root volumes:
        // https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
        // That role exists only after the account's first Auto Scaling group (here, the node
        // group that needs this key), and KMS rejects a policy naming a principal that does not
        // exist (MalformedPolicyDocumentException). So the principal is anyone, narrowed by
        // condition to exactly that role's ARN in this account: a string KMS does not resolve.
        {
          Sid: "AutoScalingUseForEncryptedVolumes",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: USE_ACTIONS,
          Resource: "*",
          Condition: autoScalingRoleOnly,
        },
        {
          Sid: "AutoScalingGrantsForAwsResources",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "kms:CreateGrant",
          Resource: "*",
          Condition: { ...autoScalingRoleOnly, Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
      ],
    };

    const descriptions: Record<KeyDomain, string> = {
      [KeyDomain.Data]: "Queue messages, Kafka topics and workflow artifacts",
      [KeyDomain.Logs]: "CloudWatch log groups",
      [KeyDomain.ClusterSecrets]: "EKS envelope encryption of Kubernetes Secrets",
      [KeyDomain.Volumes]: "EBS volumes of nodes and persistent volumes",
      [KeyDomain.Alerts]: "SNS alert topics (CloudWatch alarm notifications)",
    };

    const keys = {} as Record<KeyDomain, aws.kms.Key>;
    const aliases = {} as Record<KeyDomain, aws.kms.Alias>;
    for (const domain of Object.values(KeyDomain)) {
      keys[domain] = new aws.kms.Key(
        `${name}-${domain}`,
        {
          description: `${descriptions[domain]} (${args.aliasPrefix})`,
          keyUsage: "ENCRYPT_DECRYPT",
          customerMasterKeySpec: "SYMMETRIC_DEFAULT",
          enableKeyRotation: true,
          rotationPeriodInDays: 365,
          deletionWindowInDays,
          bypassPolicyLockoutSafetyCheck: false,
          policy: policyDocument([rootStatement, ...serviceStatements[domain]]),
          tags: { DataDomain: domain },
        },
        { parent: this, protect: args.protect },
      );
      aliases[domain] = new aws.kms.Alias(
        `${name}-${domain}`,
        { name: `alias/${args.aliasPrefix}/${domain}`, targetKeyId: keys[domain].keyId },
        { parent: this },
      );
    }
    this.keys = keys;
    this.aliases = aliases;
    this.dataKeyArn = keys[KeyDomain.Data].arn;
    this.logsKeyArn = keys[KeyDomain.Logs].arn;
    this.clusterSecretsKeyArn = keys[KeyDomain.ClusterSecrets].arn;
    this.volumesKeyArn = keys[KeyDomain.Volumes].arn;
    this.alertsKeyArn = keys[KeyDomain.Alerts].arn;

    this.registerOutputs({
      dataKeyArn: this.dataKeyArn,
      logsKeyArn: this.logsKeyArn,
      clusterSecretsKeyArn: this.clusterSecretsKeyArn,
      volumesKeyArn: this.volumesKeyArn,
      alertsKeyArn: this.alertsKeyArn,
    });
  }
}

/** The EC2 Auto Scaling service-linked role of an account (created with its first group). */
export function autoScalingServiceLinkedRoleArn(
  partition: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.interpolate`arn:${partition}:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
}
