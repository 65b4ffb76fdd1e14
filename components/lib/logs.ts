import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "./iam";

/** Retention periods CloudWatch Logs accepts (PutRetentionPolicy); any other value is rejected. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/**
 * Where a log group that an AWS service delivers "vended" logs to should live (Step Functions
 * execution logs, EventBridge Pipes logs): under `/aws/vendedlogs/`, CloudWatch Logs lets
 * deliveries share one account-level resource policy without hitting its 5,120-character limit.
 * https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html
 */
export function vendedLogGroupPrefix(service: string, name: string): string {
  return `/aws/vendedlogs/${service}/${name}-`;
}

/**
 * The key-policy statement a customer-managed key needs when a resource it encrypts (a Step
 * Functions state machine, an EventBridge pipe) delivers vended logs: the log delivery service
 * decrypts the records it carries with the source's key. Narrowed to this account's log groups by
 * the encryption context both services use for vended logs (`SourceArn`) and to this account.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-pipes-cmkey.html
 * (aws-cdk's StateMachine adds the same principal to the key when logs and a CMK are both set.)
 */
export function logDeliveryKeyStatement(
  region: string,
  accountId: pulumi.Input<string>,
  partition: pulumi.Input<string>,
): PolicyStatement {
  return {
    Sid: "LogDeliveryOfVendedLogs",
    Effect: "Allow",
    Principal: { Service: "delivery.logs.amazonaws.com" },
    Action: "kms:Decrypt",
    Resource: "*",
    Condition: {
      StringEquals: { "aws:SourceAccount": accountId },
      StringLike: {
        "kms:EncryptionContext:SourceArn": pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:*`,
      },
    },
  };
}
