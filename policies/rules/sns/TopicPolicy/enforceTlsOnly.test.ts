import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type * as aws from "@pulumi/aws";
import type { Unwrap } from "@pulumi/pulumi";
import { evaluateSqsStack, type StackResource } from "../../../fixtures/sqs";
import { topic } from "../../../fixtures/sns";
import { testUrn } from "../../../lib/testing";
import { acmeSnsTopicpolicyEnforceTlsOnly as policy } from "./enforceTlsOnly";

const SNS_TOPIC = "aws:sns/topic:Topic";
const TOPIC = "arn:aws:sns:us-east-1:111122223333:acme-alerts";

function topicPolicy(statement: Record<string, unknown>): StackResource {
  const outputs: Unwrap<aws.sns.TopicPolicyArgs> = {
    arn: TOPIC,
    policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
  };
  return { type: "aws:sns/topicPolicy:TopicPolicy", name: "alerts", outputs };
}

const denyWithoutTls = {
  Effect: "Deny",
  Principal: "*",
  Action: ["sns:Publish", "sns:Subscribe"],
  Resource: TOPIC,
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const alertTopic: StackResource = {
  type: SNS_TOPIC,
  name: "alerts",
  outputs: { ...topic(), arn: TOPIC },
};

describe(policy.name, () => {
  test("passes a topic whose policy denies publishing without TLS", async () => {
    const result = await evaluateSqsStack(policy, [alertTopic, topicPolicy(denyWithoutTls)]);
    assert.deepEqual(result.violations, []);
  });

  test("reports a topic without a policy", async () => {
    const result = await evaluateSqsStack(policy, [alertTopic]);
    assert.deepEqual(
      result.violations.map((v) => [v.urn, v.message]),
      [
        [
          testUrn(SNS_TOPIC, "alerts"),
          "SNS topic alerts has no topic policy; attach an aws.sns.TopicPolicy with a statement that " +
            'denies Principal "*" sns:Publish (or "sns:*") on the topic under {"Bool": ' +
            '{"aws:SecureTransport": "false"}}.',
        ],
      ],
    );
  });

  test("reports a policy that denies only subscribing without TLS", async () => {
    const result = await evaluateSqsStack(policy, [
      alertTopic,
      topicPolicy({ ...denyWithoutTls, Action: "sns:Subscribe" }),
    ]);
    assert.match(
      result.violations[0]?.message ?? "",
      /TopicPolicy alerts does not deny requests without TLS/,
    );
  });
});
