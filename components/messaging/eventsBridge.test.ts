/**
 * EventsBridge under the platform mocks: the pipe's trust, its exact grant, what that grant allows
 * under an IAM policy evaluator, the pipe's source and target, the bridge queue, and the aliases
 * that keep the resources ArgoEvents created before the bridge was a component.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
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
import type { PolicyStatement } from "../lib";
import {
  EventsBridge,
  type EventsBridgeArgs,
  PIPE_FILTER_PATTERN_MAX,
  pipeFilterPattern,
  validateEventsBridgeArgs,
} from "./eventsBridge";
import type { KafkaClusterRef } from "./kafka";
import { Queue } from "./queue";
import { KafkaTopics } from "./topics";

const TOPIC = "domain-events";
const GROUP = "argo-events";
const DATA_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/0f1e2d3c-4b5a-4987-8877-665544332211`;
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
const KAFKA = `arn:aws:kafka:${TEST_REGION}:${MOCK_ACCOUNT_ID}`;
const TOPIC_ARN = `${KAFKA}:topic/acme-test-events/${UUID}/${TOPIC}`;
const ORDER_PLACED = "com.acme.orders.order-placed.v1";
const PAYMENT_FAILED = "com.acme.payments.payment-failed.v2";
const OVER_TLS = { "aws:SecureTransport": "true" };
const VIA_SQS = { "kms:ViaService": `sqs.${TEST_REGION}.amazonaws.com` };

describe("EventsBridge", () => {
  let capture: Capture;
  let topics: KafkaTopics;
  let bridgeQueueArn: string;
  let workQueueArn: string;
  let ownerUrn: string;

  const args = (overrides: Partial<EventsBridgeArgs> = {}): EventsBridgeArgs => ({
    clusterArn: CLUSTER.clusterArn,
    topic: TOPIC,
    consumerGroup: GROUP,
    grantConsumer: topics.grantConsumer(TOPIC, GROUP),
    kmsKeyArn: DATA_KEY,
    eventTypes: [ORDER_PLACED, PAYMENT_FAILED],
    visibilityTimeoutSeconds: 120,
    consumer: "Argo Events",
    region: TEST_REGION,
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    ...overrides,
  });

  before(async () => {
    capture = await mockPlatform();
    topics = new KafkaTopics("events", {
      cluster: CLUSTER,
      mode: "msk-api",
      topics: {
        [TOPIC]: {
          partitions: 3,
          replicationFactor: 3,
          retentionHours: 168,
          cleanupPolicy: "delete",
          minInsyncReplicas: 2,
          contract: "domain-event",
          consumed: true,
        },
      },
    });
    // Another queue: the bridge may send to its own queue only.
    const workQueue = new Queue("workflow-requests", {
      contract: "workflow-request",
      kmsKeyArn: DATA_KEY,
      visibilityTimeoutSeconds: 300,
      consumerProcessingTimeoutSeconds: 300,
      messageRetentionSeconds: 345600,
      deadLetter: { maxReceiveCount: 5 },
      region: TEST_REGION,
    });
    const bridge = new EventsBridge("events-domain-events", args());
    // A bridge inside the component that used to create its resources itself.
    const owner = new pulumi.ComponentResource("acme:workflows:ArgoEvents", "owner");
    new EventsBridge("owner-domain-events", args({ roleResourceName: "owner-bridge" }), {
      parent: owner,
    });
    await capture.settle();
    [bridgeQueueArn, workQueueArn, ownerUrn] = await Promise.all([
      valueOf(bridge.queue.queueArn),
      valueOf(workQueue.queueArn),
      valueOf(owner.urn),
    ]);
  });

  it("lets only a pipe of this account named with the component's prefix assume its role", () => {
    const role = single(capture, "aws:iam/role:Role", "events-domain-events-pipe");
    assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "pipes.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
          ArnLike: {
            "aws:SourceArn": `arn:aws:pipes:${TEST_REGION}:${MOCK_ACCOUNT_ID}:pipe/events-domain-events-*`,
          },
        },
      },
    ]);
  });

  it("grants the topic's consumer grant, broker discovery, pipe networking and the bridge queue", () => {
    const policy = policyOf(
      single(capture, "aws:iam/rolePolicy:RolePolicy", "events-domain-events-pipe"),
    );
    assert.deepEqual(policy.Statement, [
      {
        Effect: "Allow",
        Action: ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"],
        Resource: CLUSTER.clusterArn,
      },
      {
        Effect: "Allow",
        Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
        Resource: TOPIC_ARN,
      },
      {
        Effect: "Allow",
        Action: ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"],
        Resource: `${KAFKA}:group/acme-test-events/${UUID}/${GROUP}`,
      },
      {
        Effect: "Allow",
        Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
        Resource: `${TOPIC_ARN}.dlt`,
      },
      {
        Sid: "FindBrokers",
        Effect: "Allow",
        Action: ["kafka:DescribeClusterV2", "kafka:GetBootstrapBrokers"],
        Resource: CLUSTER.clusterArn,
      },
      {
        Sid: "NetworkInterfacesInClusterSubnets",
        Effect: "Allow",
        Action: [
          "ec2:CreateNetworkInterface",
          "ec2:DeleteNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSubnets",
          "ec2:DescribeVpcs",
        ],
        Resource: "*",
      },
      {
        Effect: "Allow",
        Action: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        Resource: bridgeQueueArn,
      },
      {
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: DATA_KEY,
        Condition: { StringEquals: VIA_SQS },
      },
      // The pipe itself is encrypted with the data key: use under this pipe's ARN only.
      {
        Sid: "DataKeyForThisPipe",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: DATA_KEY,
        Condition: {
          StringLike: {
            "kms:EncryptionContext:aws:pipes:arn": `arn:aws:pipes:${TEST_REGION}:${MOCK_ACCOUNT_ID}:pipe/events-domain-events-*`,
          },
        },
      },
      { Sid: "DescribeDataKey", Effect: "Allow", Action: "kms:DescribeKey", Resource: DATA_KEY },
    ]);
  });

  it("reads the topic as the consumer group from the end, forwarding the listed types into the bridge queue", () => {
    const pipe = single(capture, "aws:pipes/pipe:Pipe", "events-domain-events");
    const role = single(capture, "aws:iam/role:Role", "events-domain-events-pipe");
    assert.deepEqual(pipe.inputs, {
      namePrefix: "events-domain-events-",
      description: `Domain events from ${TOPIC} to Argo Events (MSK IAM bridge)`,
      roleArn: role.outputs.arn,
      source: CLUSTER.clusterArn,
      sourceParameters: {
        managedStreamingKafkaParameters: {
          topicName: TOPIC,
          consumerGroupId: GROUP,
          startingPosition: "LATEST",
          batchSize: 10,
          maximumBatchingWindowInSeconds: 1,
        },
        filterCriteria: {
          filters: [{ pattern: `{"value":{"type":["${ORDER_PLACED}","${PAYMENT_FAILED}"]}}` }],
        },
      },
      target: bridgeQueueArn,
      desiredState: "RUNNING",
      kmsKeyIdentifier: DATA_KEY,
    });
    assert.ok(
      pipe.dependencies.includes(
        single(capture, "aws:iam/rolePolicy:RolePolicy", "events-domain-events-pipe").urn,
      ),
      "the role's policy exists before the pipe starts",
    );
  });

  it("keeps the bridge queue encrypted with the data key, with a dead-letter queue", () => {
    const queue = single(capture, "aws:sqs/queue:Queue", "events-domain-events");
    assert.equal(queue.inputs.kmsMasterKeyId, DATA_KEY);
    assert.equal(queue.inputs.visibilityTimeoutSeconds, 120);
    assert.equal(queue.inputs.messageRetentionSeconds, 345600);
    assert.deepEqual(JSON.parse(queue.inputs.redrivePolicy as string), {
      deadLetterTargetArn: single(capture, "aws:sqs/queue:Queue", "events-domain-events-dlq")
        .outputs.arn,
      maxReceiveCount: 5,
    });
    assert.deepEqual(queue.inputs.tags, { "acme.io/contract": "domain-event@1.0.0" });
  });

  it("aliases each resource to the URN it had as a child of the bridge's parent", () => {
    const prefix = ownerUrn.slice(0, ownerUrn.lastIndexOf("::"));
    const expected: Array<[string, string]> = [
      ["acme:messaging:Queue", "owner-domain-events"],
      ["aws:iam/role:Role", "owner-bridge"],
      ["aws:iam/rolePolicy:RolePolicy", "owner-bridge"],
      ["aws:pipes/pipe:Pipe", "owner-domain-events"],
    ];
    for (const [type, name] of expected) {
      assert.deepEqual(single(capture, type, name).aliases, [`${prefix}$${type}::${name}`], name);
    }
    // The queue's own children follow their parent's alias; they carry none of their own.
    assert.deepEqual(single(capture, "aws:sqs/queue:Queue", "owner-domain-events").aliases, []);
    // Without a parent there was no earlier home: no alias.
    assert.deepEqual(single(capture, "aws:iam/role:Role", "events-domain-events-pipe").aliases, []);
  });

  it("filters on the type inside the record's JSON value: one filter, the types as a match list", () => {
    // The pipe matches `value` as JSON when the record value is JSON (see pipeFilterPattern).
    assert.deepEqual(JSON.parse(pipeFilterPattern([ORDER_PLACED])), {
      value: { type: [ORDER_PLACED] },
    });
  });

  it("reports every invalid argument by its path, and throws before registering", async () => {
    const bad = {
      topic: "domain events",
      consumerGroup: "argo-*",
      grantConsumer: [] as PolicyStatement[],
      eventTypes: [ORDER_PLACED, ORDER_PLACED],
    };
    assert.deepEqual(
      validateEventsBridgeArgs(bad).map((e) => [e.propertyPath, e.reason]),
      [
        ["topic", '"domain events" is not a Kafka topic name'],
        [
          "consumerGroup",
          '"argo-*" must be 1 to 200 characters without "*", "?" or spaces (a wildcard would widen the grant)',
        ],
        [
          "grantConsumer",
          "is empty; pass KafkaTopics.grantConsumer(topic, consumerGroup) so the pipe can read the topic",
        ],
        ["eventTypes[1]", `"${ORDER_PLACED}" is listed twice; list it once`],
      ],
    );
    assert.deepEqual(
      validateEventsBridgeArgs({
        ...bad,
        topic: TOPIC,
        consumerGroup: GROUP,
        grantConsumer: args().grantConsumer,
        eventTypes: [],
      }),
      [
        {
          propertyPath: "eventTypes",
          reason: "is empty; list the event types to forward, or create no bridge",
        },
      ],
    );
    // A pattern over the pipe's 4096 characters: 60 types of 70 characters.
    const many = Array.from(
      { length: 60 },
      (_, i) =>
        `com.acme.orders.${"x".repeat(50)}-${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}.v1`,
    );
    const long = validateEventsBridgeArgs({ ...args(), eventTypes: many });
    assert.equal(long.length, 1);
    assert.equal(long[0].propertyPath, "eventTypes");
    assert.match(
      long[0].reason,
      new RegExp(`at most ${PIPE_FILTER_PATTERN_MAX}: list fewer types$`),
    );
    await capture.settle();
    const before = capture.resources.size;
    assert.throws(() => new EventsBridge("bad", args(bad)), /EventsBridge: 4 invalid arguments/);
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });

  describe("under IAM evaluation", () => {
    const KEY_POLICY = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT_ID}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    };
    async function decide(
      policy: unknown,
      action: string,
      resource: string,
      context: Record<string, string> = {},
    ): Promise<IamDecision> {
      return simulateIam({
        principal: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/bridge`,
        identityPolicies: { grant: policy },
        resourcePolicy: action.startsWith("kms:") ? KEY_POLICY : undefined,
        action,
        resource,
        context,
      });
    }
    const rolePolicy = (name: string) =>
      policyOf(single(capture, "aws:iam/rolePolicy:RolePolicy", name));

    it("lets the bridge read its topic as its group and send to the bridge queue, nothing more", async () => {
      const policy = rolePolicy("events-domain-events-pipe");
      assert.equal(await decide(policy, "kafka-cluster:ReadData", TOPIC_ARN), "Allowed");
      assert.equal(
        await decide(
          policy,
          "kafka-cluster:ReadData",
          `${KAFKA}:topic/acme-test-events/${UUID}/payments`,
        ),
        "ImplicitlyDenied",
      );
      assert.equal(
        await decide(
          policy,
          "kafka-cluster:AlterGroup",
          `${KAFKA}:group/acme-test-events/${UUID}/other`,
        ),
        "ImplicitlyDenied",
      );
      assert.equal(await decide(policy, "kafka-cluster:WriteData", TOPIC_ARN), "ImplicitlyDenied");
      assert.equal(await decide(policy, "sqs:SendMessage", bridgeQueueArn, OVER_TLS), "Allowed");
      assert.equal(
        await decide(policy, "sqs:SendMessage", workQueueArn, OVER_TLS),
        "ImplicitlyDenied",
      );
      assert.equal(
        await decide(policy, "sqs:ReceiveMessage", bridgeQueueArn, OVER_TLS),
        "ImplicitlyDenied",
      );
    });
  });
});
