/**
 * Evaluates the rendered Kafka grants with an IAM policy simulator: each grant allows what its
 * role needs on its own topic and group, and nothing on any other topic, group or cluster.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { policyDocument, type PolicyStatement } from "../lib";
import {
  type IamDecision,
  MOCK_ACCOUNT_ID,
  mockPlatform,
  simulateIam,
  TEST_REGION,
} from "../../tools/testing";
import type { KafkaClusterRef } from "./kafka";
import { KafkaTopics, type TopicSpec } from "./topics";

const UUID = "5c7a1e3b-2f4d-4e6a-9b8c-0d1e2f3a4b5c-2";
const CLUSTER: KafkaClusterRef = {
  clusterArn: `arn:aws:kafka:${TEST_REGION}:${MOCK_ACCOUNT_ID}:cluster/acme-test-events/${UUID}`,
  clusterName: "acme-test-events",
  clusterUuid: UUID,
  bootstrapBrokersSaslIam: `b-1.acme-test-events.abc123.c2.kafka.${TEST_REGION}.amazonaws.com:9098`,
  region: TEST_REGION,
  accountId: MOCK_ACCOUNT_ID,
  partition: "aws",
};
const SPEC: TopicSpec = {
  partitions: 3,
  replicationFactor: 3,
  retentionHours: 168,
  cleanupPolicy: "delete",
  minInsyncReplicas: 2,
  contract: "domain-event",
  consumed: true,
};

const ARN = `arn:aws:kafka:${TEST_REGION}:${MOCK_ACCOUNT_ID}`;
const topic = (name: string, uuid = UUID) => `${ARN}:topic/acme-test-events/${uuid}/${name}`;
const group = (name: string) => `${ARN}:group/acme-test-events/${UUID}/${name}`;
const A = "orders.events";
const B = "payments.events";

/** The policy document a grant renders to, as IAM would receive it. */
async function render(statements: PolicyStatement[]): Promise<unknown> {
  const text = await new Promise<string>((resolve) => policyDocument(statements).apply(resolve));
  return JSON.parse(text) as unknown;
}

/** Checks every [action, resource, expected] row and reports all mismatches at once. */
async function expectDecisions(
  policy: unknown,
  rows: Array<[string, string, IamDecision]>,
): Promise<void> {
  const wrong: string[] = [];
  for (const [action, resource, expected] of rows) {
    const actual = await simulateIam({
      principal: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/service`,
      identityPolicies: { grant: policy },
      action,
      resource,
    });
    if (actual !== expected)
      wrong.push(`${action} on ${resource}: ${actual}, expected ${expected}`);
  }
  assert.deepEqual(wrong, []);
}

describe("Kafka grants", () => {
  let producer: unknown;
  let consumer: unknown;

  before(async () => {
    await mockPlatform();
    const topics = new KafkaTopics("events", {
      cluster: CLUSTER,
      mode: "msk-api",
      topics: { [A]: SPEC, [B]: SPEC },
    });
    producer = await render(topics.grantProducer(A));
    consumer = await render(topics.grantConsumer(A, "billing"));
  });

  it("lets a producer of A connect and write to A, and nothing else", async () => {
    await expectDecisions(producer, [
      ["kafka-cluster:Connect", CLUSTER.clusterArn as string, "Allowed"],
      ["kafka-cluster:WriteDataIdempotently", CLUSTER.clusterArn as string, "Allowed"],
      ["kafka-cluster:DescribeTopic", topic(A), "Allowed"],
      ["kafka-cluster:WriteData", topic(A), "Allowed"],
      ["kafka-cluster:WriteData", topic(B), "ImplicitlyDenied"],
      ["kafka-cluster:WriteData", topic(`${A}.dlt`), "ImplicitlyDenied"],
      [
        "kafka-cluster:WriteData",
        topic(A, "00000000-0000-4000-a000-000000000000-1"),
        "ImplicitlyDenied",
      ],
      ["kafka-cluster:ReadData", topic(A), "ImplicitlyDenied"],
      ["kafka-cluster:CreateTopic", topic(A), "ImplicitlyDenied"],
      ["kafka-cluster:AlterGroup", group("billing"), "ImplicitlyDenied"],
      ["kafka-cluster:AlterCluster", CLUSTER.clusterArn as string, "ImplicitlyDenied"],
    ]);
  });

  it("lets a consumer of A read A as its own group and dead-letter to A.dlt, and nothing else", async () => {
    await expectDecisions(consumer, [
      ["kafka-cluster:Connect", CLUSTER.clusterArn as string, "Allowed"],
      ["kafka-cluster:DescribeTopic", topic(A), "Allowed"],
      ["kafka-cluster:ReadData", topic(A), "Allowed"],
      ["kafka-cluster:DescribeGroup", group("billing"), "Allowed"],
      ["kafka-cluster:AlterGroup", group("billing"), "Allowed"],
      ["kafka-cluster:WriteData", topic(`${A}.dlt`), "Allowed"],
      ["kafka-cluster:ReadData", topic(B), "ImplicitlyDenied"],
      ["kafka-cluster:AlterGroup", group("shipping"), "ImplicitlyDenied"],
      ["kafka-cluster:DescribeGroup", group("billing-replay"), "ImplicitlyDenied"],
      ["kafka-cluster:WriteData", topic(A), "ImplicitlyDenied"],
      ["kafka-cluster:ReadData", topic(`${A}.dlt`), "ImplicitlyDenied"],
      ["kafka-cluster:DeleteGroup", group("billing"), "ImplicitlyDenied"],
      ["kafka-cluster:AlterTopic", topic(A), "ImplicitlyDenied"],
    ]);
  });
});
