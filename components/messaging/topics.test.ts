import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { MOCK_ACCOUNT_ID, mockPlatform, ofType, TEST_REGION } from "../../tools/testing";
import type { KafkaClusterRef } from "./kafka";
import {
  KafkaTopics,
  type KafkaTopicsArgs,
  type TopicSpec,
  validateKafkaTopicsArgs,
} from "./topics";

const UUID = "5c7a1e3b-2f4d-4e6a-9b8c-0d1e2f3a4b5c-2";
const BROKERS = [1, 2, 3].map(
  (i) => `b-${i}.acme-test-events.abc123.c2.kafka.${TEST_REGION}.amazonaws.com:9098`,
);
const CLUSTER: KafkaClusterRef = {
  clusterArn: `arn:aws:kafka:${TEST_REGION}:${MOCK_ACCOUNT_ID}:cluster/acme-test-events/${UUID}`,
  clusterName: "acme-test-events",
  clusterUuid: UUID,
  bootstrapBrokersSaslIam: BROKERS.join(","),
  region: TEST_REGION,
  accountId: MOCK_ACCOUNT_ID,
  partition: "aws",
};

const ORDERS: TopicSpec = {
  partitions: 12,
  replicationFactor: 3,
  retentionHours: 168,
  cleanupPolicy: "delete",
  minInsyncReplicas: 2,
  contract: "domain-event",
  consumed: true,
};
const CUSTOMERS: TopicSpec = {
  partitions: 6,
  replicationFactor: 3,
  retentionHours: 24,
  cleanupPolicy: "compact",
  minInsyncReplicas: 2,
  contract: "domain-event",
};

function args(overrides: Partial<KafkaTopicsArgs> = {}): KafkaTopicsArgs {
  return {
    cluster: CLUSTER,
    mode: "kafka-provider",
    topics: { "orders.events": ORDERS, "customers.snapshots": CUSTOMERS },
    ...overrides,
  };
}

/** Expected Kafka topic settings by name, dead-letter topic included. */
const EXPECTED = {
  "orders.events": {
    partitions: 12,
    replicationFactor: 3,
    config: { "retention.ms": "604800000", "cleanup.policy": "delete", "min.insync.replicas": "2" },
  },
  // Same partitions and replication, 14 days instead of 7.
  "orders.events.dlt": {
    partitions: 12,
    replicationFactor: 3,
    config: {
      "retention.ms": "1209600000",
      "cleanup.policy": "delete",
      "min.insync.replicas": "2",
    },
  },
  "customers.snapshots": {
    partitions: 6,
    replicationFactor: 3,
    config: { "retention.ms": "86400000", "cleanup.policy": "compact", "min.insync.replicas": "2" },
  },
};

const urnOf = (c: pulumi.Resource) => new Promise<string>((resolve) => c.urn.apply(resolve));

describe("KafkaTopics", () => {
  let capture: Capture;
  let viaKafka: KafkaTopics;
  let viaMsk: KafkaTopics;
  const urns = { kafka: "", msk: "" };

  before(async () => {
    capture = await mockPlatform();
    viaKafka = new KafkaTopics("events", args({ protect: true }));
    viaMsk = new KafkaTopics("events-api", args({ mode: "msk-api" }));
    await capture.settle();
    urns.kafka = await urnOf(viaKafka);
    urns.msk = await urnOf(viaMsk);
  });

  it("connects a Kafka provider to the IAM bootstrap brokers over TLS with SASL aws-iam", () => {
    const providers = ofType(capture, "pulumi:providers:kafka", urns.kafka);
    assert.equal(providers.length, 1);
    // Provider configuration reaches the engine JSON-encoded: a list or a boolean arrives as text.
    assert.deepEqual(providers[0].inputs, {
      bootstrapServers: JSON.stringify(BROKERS),
      tlsEnabled: "true",
      skipTlsVerify: "false",
      saslMechanism: "aws-iam",
      saslAwsRegion: TEST_REGION,
    });
    assert.equal(viaMsk.provider, undefined);
    assert.equal(ofType(capture, "pulumi:providers:kafka", urns.msk).length, 0);
  });

  it("creates each topic and the consumed topic's dead-letter topic through that provider", () => {
    const [provider] = ofType(capture, "pulumi:providers:kafka", urns.kafka);
    const topics = ofType(capture, "kafka:index/topic:Topic", urns.kafka);
    assert.deepEqual(
      Object.fromEntries(
        topics.map((t) => {
          assert.equal(t.provider, `${provider.urn}::${provider.id}`);
          assert.equal(t.protect, true);
          const { name, ...settings } = t.inputs;
          return [name as string, settings];
        }),
      ),
      EXPECTED,
    );
    assert.equal(ofType(capture, "aws:msk/topic:Topic", urns.kafka).length, 0);
  });

  it("creates the same topics with the MSK topic API in msk-api mode", () => {
    const topics = ofType(capture, "aws:msk/topic:Topic", urns.msk);
    assert.deepEqual(
      Object.fromEntries(
        topics.map((t) => {
          assert.equal(t.provider, undefined, "the default AWS provider, not a Kafka one");
          assert.equal(t.protect, false);
          assert.equal(t.inputs.clusterArn, CLUSTER.clusterArn);
          return [
            t.inputs.name as string,
            {
              partitions: t.inputs.partitionCount,
              replicationFactor: t.inputs.replicationFactor,
              config: JSON.parse(t.inputs.configs as string) as unknown,
            },
          ];
        }),
      ),
      EXPECTED,
    );
    assert.deepEqual(Object.keys(topics[0].inputs).sort(), [
      "clusterArn",
      "configs",
      "name",
      "partitionCount",
      "replicationFactor",
    ]);
    assert.equal(ofType(capture, "kafka:index/topic:Topic", urns.msk).length, 0);
  });

  it("names every topic, the dead-letter topics and their contracts in its outputs", async () => {
    const names = await new Promise<Record<string, string>>((resolve) =>
      pulumi.output(viaKafka.topicNames).apply(resolve),
    );
    assert.deepEqual(names, {
      "orders.events": "orders.events",
      "orders.events.dlt": "orders.events.dlt",
      "customers.snapshots": "customers.snapshots",
    });
    assert.deepEqual(viaKafka.deadLetterTopics, { "orders.events": "orders.events.dlt" });
    const component = capture.resources.get(urns.kafka) as CapturedResource;
    assert.deepEqual(component.outputs.contracts, {
      "orders.events": "domain-event@1.0.0",
      "orders.events.dlt": "domain-event@1.0.0",
      "customers.snapshots": "domain-event@1.0.0",
    });
    assert.equal(
      viaKafka.contracts["orders.events"].id,
      "https://contracts.acme.example/messages/domain-event.schema.json",
    );
  });

  it("grants only declared topics, and consumers only on consumed topics and named groups", () => {
    assert.throws(
      () => viaKafka.grantProducer("payments"),
      /"payments" is not one of this component's topics \(orders\.events, customers\.snapshots\)/,
    );
    assert.throws(
      () => viaKafka.grantConsumer("customers.snapshots", "billing"),
      /topic "customers\.snapshots" is not consumed, so it has no dead-letter topic/,
    );
    assert.throws(
      () => viaKafka.grantConsumer("orders.events", "billing-*"),
      /without "\*" or "\?"/,
    );
    assert.equal(viaKafka.grantConsumer("orders.events", "billing").length, 4);
  });

  it("rejects bad arguments with every problem named and registers nothing", async () => {
    const bad = args({
      mode: "kafka-admin" as KafkaTopicsArgs["mode"],
      topics: {
        "orders events": { ...ORDERS },
        "orders.dlt": { ...ORDERS },
        broken: {
          partitions: 0,
          replicationFactor: 1,
          retentionHours: 0.5,
          cleanupPolicy: "forever" as TopicSpec["cleanupPolicy"],
          minInsyncReplicas: 1,
          contract: "no-such-contract",
        },
      },
    });
    assert.deepEqual(
      validateKafkaTopicsArgs(bad).map((e) => e.propertyPath),
      [
        "mode",
        "topics.orders events",
        "topics.orders.dlt",
        "topics.broken.partitions",
        "topics.broken.replicationFactor",
        "topics.broken.minInsyncReplicas",
        "topics.broken.retentionHours",
        "topics.broken.cleanupPolicy",
        "topics.broken.contract",
      ],
    );
    const before = capture.resources.size;
    assert.throws(
      () => new KafkaTopics("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        /9 invalid arguments/.test(e.message) &&
        e.message.includes("create contracts/messages/no-such-contract.schema.json"),
    );
    assert.throws(
      () =>
        new KafkaTopics(
          "bad2",
          args({ topics: { orders: { ...ORDERS, replicationFactor: 3, minInsyncReplicas: 3 } } }),
        ),
      /topics\.orders\.minInsyncReplicas: must be a whole number from 1 to replicationFactor - 1 \(got 3 with a factor of 3\)/,
    );
    assert.throws(() => new KafkaTopics("bad3", args({ topics: {} })), /topics: declares no topic/);
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});
