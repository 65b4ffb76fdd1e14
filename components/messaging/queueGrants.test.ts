/**
 * What the grants allow, decided by an IAM policy evaluator (@cloud-copilot/iam-simulate) over the
 * rendered policies rather than by reading their text: the role's identity policy, and the
 * resource policy AWS would also consult (the queue policy for SQS, the key policy for KMS).
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Capture } from "../../tools/mocks";
import {
  type IamDecision,
  MOCK_ACCOUNT_ID,
  mockPlatform,
  policyOf,
  simulateIam,
  single,
  TEST_REGION,
  valueOf,
} from "../../tools/testing";
import { policyDocument, type PolicyStatement } from "../lib";
import { PlatformKeys } from "../security";
import { Queue, type QueueArgs } from "./queue";

const ROLE = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/service-a`;
const VIA_SQS = { "kms:ViaService": `sqs.${TEST_REGION}.amazonaws.com` };
const OVER_TLS = { "aws:SecureTransport": "true" };

describe("Queue grants under IAM evaluation", () => {
  let capture: Capture;
  let queueA: Queue;
  let arnA: string;
  let arnB: string;
  let dlqArnA: string;
  let dataKey: string;
  let logsKey: string;
  let keyPolicy: unknown;
  let queuePolicyA: unknown;
  let producerA: unknown;
  let consumerA: unknown;
  let deadLetterConsumerA: unknown;

  const rendered = async (statements: PolicyStatement[]) =>
    JSON.parse(await valueOf(policyDocument(statements))) as unknown;

  /** The decision for `ROLE` holding `identityPolicy` making one request. */
  async function decide(
    identityPolicy: unknown,
    action: string,
    resource: string,
    context: Record<string, string> = {},
  ): Promise<IamDecision> {
    return simulateIam({
      principal: ROLE,
      identityPolicies: { grant: identityPolicy },
      // KMS honours IAM policies only where the key policy delegates to the account.
      resourcePolicy: action.startsWith("kms:")
        ? keyPolicy
        : resource === arnA
          ? queuePolicyA
          : undefined,
      action,
      resource,
      context,
    });
  }

  before(async () => {
    capture = await mockPlatform();
    const keys = new PlatformKeys("keys", {
      aliasPrefix: "acme/test",
      accountId: MOCK_ACCOUNT_ID,
      partition: "aws",
      region: TEST_REGION,
    });
    const args: QueueArgs = {
      contract: "workflow-request",
      kmsKeyArn: keys.dataKeyArn,
      visibilityTimeoutSeconds: 300,
      consumerProcessingTimeoutSeconds: 300,
      messageRetentionSeconds: 345600,
      deadLetter: { maxReceiveCount: 5 },
      region: TEST_REGION,
    };
    queueA = new Queue("a", args);
    const queueB = new Queue("b", args);
    await capture.settle();

    [arnA, arnB, dlqArnA, dataKey, logsKey] = await Promise.all([
      valueOf(queueA.queueArn),
      valueOf(queueB.queueArn),
      valueOf(queueA.deadLetterQueueArn),
      valueOf(keys.dataKeyArn),
      valueOf(keys.logsKeyArn),
    ]);
    keyPolicy = policyOf(single(capture, "aws:kms/key:Key", "keys-data"));
    queuePolicyA = policyOf(single(capture, "aws:sqs/queuePolicy:QueuePolicy", "a"));
    [producerA, consumerA, deadLetterConsumerA] = await Promise.all([
      rendered(queueA.grantProducer()),
      rendered(queueA.grantConsumer()),
      rendered(queueA.grantDeadLetterConsumer()),
    ]);
  });

  it("lets a producer of queue A send to A and not to B", async () => {
    assert.notEqual(arnA, arnB);
    assert.equal(await decide(producerA, "sqs:SendMessage", arnA, OVER_TLS), "Allowed");
    assert.equal(await decide(producerA, "sqs:SendMessage", arnB, OVER_TLS), "ImplicitlyDenied");
    assert.equal(await decide(producerA, "sqs:GetQueueUrl", arnA, OVER_TLS), "Allowed");
    assert.equal(await decide(producerA, "sqs:GetQueueAttributes", arnB), "ImplicitlyDenied");
  });

  it("does not let a producer receive, delete or purge", async () => {
    for (const action of ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:PurgeQueue"]) {
      assert.equal(await decide(producerA, action, arnA, OVER_TLS), "ImplicitlyDenied", action);
    }
  });

  it("lets a producer use the data key only through SQS in this Region", async () => {
    assert.equal(await decide(producerA, "kms:GenerateDataKey", dataKey, VIA_SQS), "Allowed");
    assert.equal(await decide(producerA, "kms:Decrypt", dataKey, VIA_SQS), "Allowed");
    assert.equal(await decide(producerA, "kms:GenerateDataKey", dataKey), "ImplicitlyDenied");
    for (const service of [`s3.${TEST_REGION}.amazonaws.com`, "sqs.us-east-1.amazonaws.com"]) {
      assert.equal(
        await decide(producerA, "kms:GenerateDataKey", dataKey, { "kms:ViaService": service }),
        "ImplicitlyDenied",
        service,
      );
    }
    assert.equal(await decide(producerA, "kms:Decrypt", logsKey, VIA_SQS), "ImplicitlyDenied");
    assert.equal(await decide(producerA, "kms:Encrypt", dataKey, VIA_SQS), "ImplicitlyDenied");
  });

  it("lets a consumer of queue A receive and delete on A only, and never send", async () => {
    for (const action of [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
    ]) {
      assert.equal(await decide(consumerA, action, arnA, OVER_TLS), "Allowed", action);
      assert.equal(await decide(consumerA, action, arnB, OVER_TLS), "ImplicitlyDenied", action);
    }
    assert.equal(await decide(consumerA, "sqs:SendMessage", arnA, OVER_TLS), "ImplicitlyDenied");
    assert.equal(await decide(consumerA, "kms:Decrypt", dataKey, VIA_SQS), "Allowed");
    assert.equal(
      await decide(consumerA, "kms:GenerateDataKey", dataKey, VIA_SQS),
      "ImplicitlyDenied",
    );
    assert.equal(await decide(consumerA, "kms:Decrypt", dataKey), "ImplicitlyDenied");
  });

  it("lets a dead-letter consumer read the DLQ but not the queue", async () => {
    assert.equal(
      await decide(deadLetterConsumerA, "sqs:ReceiveMessage", dlqArnA, OVER_TLS),
      "Allowed",
    );
    assert.equal(
      await decide(deadLetterConsumerA, "sqs:ReceiveMessage", arnA, OVER_TLS),
      "ImplicitlyDenied",
    );
  });

  it("denies even a granted producer when the request is not over TLS", async () => {
    assert.equal(
      await decide(producerA, "sqs:SendMessage", arnA, { "aws:SecureTransport": "false" }),
      "ExplicitlyDenied",
    );
  });
});
