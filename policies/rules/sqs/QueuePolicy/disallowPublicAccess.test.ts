import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type * as aws from "@pulumi/aws";
import type { Unwrap } from "@pulumi/pulumi";
import { violationMessages } from "../../../lib/testing";
import { acmeSqsQueuepolicyDisallowPublicAccess as policy } from "./disallowPublicAccess";

const QUEUE = "arn:aws:sqs:us-east-1:111122223333:work";

const props = (...statements: Record<string, unknown>[]): Unwrap<aws.sqs.QueuePolicyArgs> => ({
  queueUrl: "https://sqs.us-east-1.amazonaws.com/111122223333/work",
  policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
});

const tlsOnly = {
  Effect: "Deny",
  Principal: "*",
  Action: "sqs:*",
  Resource: QUEUE,
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};

describe(policy.name, () => {
  test("passes a TLS-only deny and a send grant pinned to a source", async () => {
    const send = {
      Effect: "Allow",
      Principal: "*",
      Action: "sqs:SendMessage",
      Resource: QUEUE,
      Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:events" } },
    };
    assert.deepEqual(await violationMessages(policy, props(tlsOnly, send)), []);
  });

  test("reports a grant to everyone of every action", async () => {
    const open = {
      Sid: "Open",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: "sqs:*",
      Resource: QUEUE,
    };
    assert.deepEqual(await violationMessages(policy, props(tlsOnly, open)), [
      'statement "Open" allows Principal "*" without an account, organization or source ' +
        "condition; name the principals or add such a condition.",
      'statement "Open" allows every SQS action; list the actions needed (for example ' +
        '"sqs:SendMessage").',
    ]);
  });

  test("reports a policy that is not JSON instead of passing it", async () => {
    assert.deepEqual(await violationMessages(policy, { ...props(), policy: "{not json" }), [
      "policy is not a JSON policy document, so public access cannot be ruled out; pass the " +
        "document as a JSON string.",
    ]);
  });
});
