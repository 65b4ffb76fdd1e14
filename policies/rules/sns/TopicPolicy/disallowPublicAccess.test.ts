import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type * as aws from "@pulumi/aws";
import type { Unwrap } from "@pulumi/pulumi";
import { violationMessages } from "../../../lib/testing";
import { acmeSnsTopicpolicyDisallowPublicAccess as policy } from "./disallowPublicAccess";

const TOPIC = "arn:aws:sns:us-east-1:111122223333:alerts";

const props = (...statements: Record<string, unknown>[]): Unwrap<aws.sns.TopicPolicyArgs> => ({
  arn: TOPIC,
  policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
});

describe(policy.name, () => {
  test("passes CloudWatch publishing under aws:SourceAccount", async () => {
    const alarms = {
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: TOPIC,
      Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
    };
    assert.deepEqual(await violationMessages(policy, props(alarms)), []);
  });

  test("reports a subscribe grant to everyone", async () => {
    const open = {
      Sid: "AnyoneSubscribes",
      Effect: "Allow",
      Principal: "*",
      Action: "sns:Subscribe",
      Resource: TOPIC,
    };
    assert.deepEqual(await violationMessages(policy, props(open)), [
      'statement "AnyoneSubscribes" allows Principal "*" without an account, organization or ' +
        "source condition; name the principals or add such a condition.",
    ]);
  });

  test("reports a policy that is not JSON instead of passing it", async () => {
    assert.deepEqual(await violationMessages(policy, { ...props(), policy: "{not json" }), [
      "policy is not a JSON policy document, so public access cannot be ruled out; pass the " +
        "document as a JSON string.",
    ]);
  });

  test("reports Allow with NotPrincipal, which grants every principal not listed", async () => {
    const allButOne = {
      Sid: "AllButOne",
      Effect: "Allow",
      NotPrincipal: { AWS: "arn:aws:iam::111122223333:role/blocked" },
      Action: "sns:Publish",
      Resource: TOPIC,
    };
    assert.deepEqual(await violationMessages(policy, props(allButOne)), [
      'statement "AllButOne" combines Allow with NotPrincipal, which grants access to every ' +
        "principal not listed; name the allowed principals in Principal instead.",
    ]);
  });
});
