import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type * as aws from "@pulumi/aws";
import type { Unwrap } from "@pulumi/pulumi";
import { evaluateSqsStack, type StackResource } from "../../../fixtures/sqs";
import { CMK_ARN, topic } from "../../../fixtures/sns";
import { testUrn } from "../../../lib/testing";
import { acmeSnsTopicEnforceAlarmKeyAccess as policy } from "./enforceAlarmKeyAccess";

const SNS_TOPIC = "aws:sns/topic:Topic";
const TOPIC = "arn:aws:sns:us-east-1:111122223333:acme-alerts";

const cloudWatchUse = {
  Sid: "CloudWatchAlarmsEncryptNotifications",
  Effect: "Allow",
  Principal: { Service: "cloudwatch.amazonaws.com" },
  Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
  Resource: "*",
  Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
};

function key(...statements: Record<string, unknown>[]): StackResource {
  const outputs: Unwrap<aws.kms.KeyState> = {
    arn: CMK_ARN,
    policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
  };
  return { type: "aws:kms/key:Key", name: "alerts", outputs };
}

function stack(keyResource: StackResource, kmsMasterKeyId = CMK_ARN): StackResource[] {
  const alarm: Unwrap<aws.cloudwatch.MetricAlarmArgs> = {
    comparisonOperator: "GreaterThanThreshold",
    evaluationPeriods: 1,
    alarmActions: [TOPIC],
  };
  return [
    keyResource,
    { type: SNS_TOPIC, name: "alerts", outputs: { ...topic(), kmsMasterKeyId, arn: TOPIC } },
    { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "failures", outputs: alarm },
  ];
}

describe(policy.name, () => {
  test("passes an alarm topic whose key lets CloudWatch use it", async () => {
    assert.deepEqual((await evaluateSqsStack(policy, stack(key(cloudWatchUse)))).violations, []);
  });

  test("reports a key whose policy does not grant CloudWatch", async () => {
    const result = await evaluateSqsStack(policy, stack(key()));
    assert.deepEqual(
      result.violations.map((v) => [v.urn, v.message]),
      [
        [
          testUrn(SNS_TOPIC, "alerts"),
          "SNS topic alerts: the policy of key alerts does not let cloudwatch.amazonaws.com use " +
            "it, so alarm notifications are dropped; allow it kms:Decrypt and " +
            "kms:GenerateDataKey* under aws:SourceAccount.",
        ],
      ],
    );
  });

  test("reports the AWS managed alias/aws/sns key", async () => {
    const result = await evaluateSqsStack(policy, stack(key(cloudWatchUse), "alias/aws/sns"));
    assert.match(
      result.violations[0]?.message ?? "",
      /kmsMasterKeyId is not a customer-managed key/,
    );
  });
});
