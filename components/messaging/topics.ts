/**
 * Kafka topics as code on an MSK cluster, each with a message contract, a dead-letter topic for
 * every consumed topic, and IAM grants scoped to one topic and one consumer group.
 */
import * as aws from "@pulumi/aws";
import * as kafka from "@pulumi/kafka";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, throwIfInvalid, ValidationError } from "../lib";
import { messageContract, MessageContract } from "../lib/contracts";
import type { KafkaClusterRef } from "./kafka";

/**
 * How topics reach the cluster.
 * - `kafka-provider`: the Kafka admin protocol (@pulumi/kafka) over SASL/IAM and TLS to the
 *   brokers on 9098; the machine running `pulumi up` must reach the brokers (docs/messaging.md).
 * - `msk-api`: the MSK topic API (`aws.msk.Topic`) through the regional AWS endpoint; no broker
 *   connectivity needed. Needs Kafka 3.6.0 or later on a provisioned cluster.
 *   See https://docs.aws.amazon.com/msk/latest/developerguide/msk-topic-operations-information.html
 */
export const TopicManagement = {
  KafkaProvider: "kafka-provider",
  MskApi: "msk-api",
} as const;
export type TopicManagement = (typeof TopicManagement)[keyof typeof TopicManagement];

/** Suffix of a dead-letter topic's name. */
export const DEAD_LETTER_SUFFIX = ".dlt";
/**
 * Shortest retention of a dead-letter topic: 14 days, so a failure found after a long weekend
 * and a release can still be replayed.
 */
export const DEAD_LETTER_MIN_RETENTION_HOURS = 14 * 24;

/** One topic. */
export interface TopicSpec {
  /** Partitions, at least 1: the most consumers of a group that can work in parallel. */
  partitions: number;
  /** Replicas of each partition, at least 2 and at most the broker count. */
  replicationFactor: number;
  /** How long records are kept, in whole hours (`retention.ms`). */
  retentionHours: number;
  /** `delete` drops records after the retention; `compact` keeps the latest record per key. */
  cleanupPolicy: "delete" | "compact";
  /** `min.insync.replicas`, from 1 to `replicationFactor - 1`. */
  minInsyncReplicas: number;
  /** The message contract, a schema name under contracts/messages/ (e.g. `domain-event`). */
  contract: string;
  /**
   * Whether a consumer group reads the topic. A consumed topic gets `<topic>.dlt` beside it, and
   * only a consumed topic can be granted to consumers.
   * @default false
   */
  consumed?: boolean;
}

/** Arguments of {@link KafkaTopics}. */
export interface KafkaTopicsArgs {
  /** The cluster, usually a `KafkaCluster`. */
  cluster: KafkaClusterRef;
  /** How topics are managed; see {@link TopicManagement}. Plain: it decides the resource types. */
  mode: TopicManagement;
  /** Topics by name: 1 to 245 letters, digits, `.`, `_` and `-`, not ending in `.dlt`. */
  topics: Record<string, TopicSpec>;
  /** Protect the topics from `pulumi destroy` (deleting a topic deletes its records). */
  protect?: boolean;
}

// Kafka allows 249 characters; the dead-letter suffix takes 4 of them.
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,245}$/;

function isIntegerAtLeast(value: number, min: number): boolean {
  return Number.isInteger(value) && value >= min;
}

/** Validates {@link KafkaTopicsArgs}; returns every problem. */
export function validateKafkaTopicsArgs(args: KafkaTopicsArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });

  if (!(Object.values(TopicManagement) as string[]).includes(args.mode)) {
    add(
      "mode",
      `"${String(args.mode)}" is not a topic management mode; use ${Object.values(TopicManagement).join(" or ")}`,
    );
  }
  if (Object.keys(args.topics).length === 0) {
    add("topics", "declares no topic; declare at least one");
  }
  for (const [topic, spec] of Object.entries(args.topics)) {
    const at = (field: string) => `topics.${topic}${field ? `.${field}` : ""}`;
    if (!TOPIC_NAME.test(topic) || topic === "." || topic === "..") {
      add(at(""), "is not a topic name; use 1 to 245 letters, digits, '.', '_' and '-'");
    } else if (topic.endsWith(DEAD_LETTER_SUFFIX)) {
      add(
        at(""),
        `ends in "${DEAD_LETTER_SUFFIX}", which is reserved for dead-letter topics; set consumed: true on the source topic instead`,
      );
    }
    if (!isIntegerAtLeast(spec.partitions, 1)) {
      add(at("partitions"), `must be a whole number of at least 1 (got ${spec.partitions})`);
    }
    if (!isIntegerAtLeast(spec.replicationFactor, 2)) {
      add(
        at("replicationFactor"),
        `must be a whole number of at least 2 (got ${spec.replicationFactor}); one copy cannot survive a broker loss`,
      );
    }
    if (
      !isIntegerAtLeast(spec.minInsyncReplicas, 1) ||
      spec.minInsyncReplicas >= spec.replicationFactor
    ) {
      add(
        at("minInsyncReplicas"),
        `must be a whole number from 1 to replicationFactor - 1 (got ${spec.minInsyncReplicas} with a factor of ${spec.replicationFactor}); otherwise one broker down stops acks=all writes`,
      );
    }
    if (!isIntegerAtLeast(spec.retentionHours, 1)) {
      add(
        at("retentionHours"),
        `must be a whole number of hours, at least 1 (got ${spec.retentionHours})`,
      );
    }
    if (spec.cleanupPolicy !== "delete" && spec.cleanupPolicy !== "compact") {
      add(
        at("cleanupPolicy"),
        `must be "delete" or "compact" (got "${String(spec.cleanupPolicy)}")`,
      );
    }
    try {
      messageContract(spec.contract);
    } catch (e) {
      add(at("contract"), (e as Error).message);
    }
  }
  return errors;
}

/** The topic-level configuration Kafka stores for a topic. */
export function topicConfig(spec: TopicSpec): Record<string, string> {
  return {
    "retention.ms": String(spec.retentionHours * 3_600_000),
    "cleanup.policy": spec.cleanupPolicy,
    "min.insync.replicas": String(spec.minInsyncReplicas),
  };
}

/**
 * The dead-letter topic of a consumed topic: the same partitions and replication, at least
 * {@link DEAD_LETTER_MIN_RETENTION_HOURS}, and always `delete`, since compaction would keep only
 * the latest failure per key and drop the evidence of the earlier ones.
 */
export function deadLetterSpec(spec: TopicSpec): TopicSpec {
  return {
    ...spec,
    retentionHours: Math.max(spec.retentionHours, DEAD_LETTER_MIN_RETENTION_HOURS),
    cleanupPolicy: "delete",
    consumed: false,
  };
}

/** `arn:<partition>:kafka:<region>:<account>:topic/<cluster name>/<cluster uuid>/<topic>`. */
export function kafkaTopicArn(cluster: KafkaClusterRef, topic: string): pulumi.Output<string> {
  return pulumi.interpolate`arn:${cluster.partition}:kafka:${cluster.region}:${cluster.accountId}:topic/${cluster.clusterName}/${cluster.clusterUuid}/${topic}`;
}

/** `arn:<partition>:kafka:<region>:<account>:group/<cluster name>/<cluster uuid>/<group>`. */
export function kafkaGroupArn(cluster: KafkaClusterRef, group: string): pulumi.Output<string> {
  return pulumi.interpolate`arn:${cluster.partition}:kafka:${cluster.region}:${cluster.accountId}:group/${cluster.clusterName}/${cluster.clusterUuid}/${group}`;
}

// Kafka clients since 3.0 produce idempotently by default, and MSK's IAM authorizer checks that
// against the cluster, so every identity that writes needs it
// (https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control-use-cases.html).
const CONNECT_ACTIONS = ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"];

/** IAM statements that let an identity produce to one topic, and nothing else. */
export function producerStatements(cluster: KafkaClusterRef, topic: string): PolicyStatement[] {
  return [
    { Effect: "Allow", Action: CONNECT_ACTIONS, Resource: cluster.clusterArn },
    {
      Effect: "Allow",
      Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
      Resource: kafkaTopicArn(cluster, topic),
    },
  ];
}

/**
 * IAM statements that let an identity consume one topic as one consumer group and dead-letter
 * the records it cannot process. Reading the dead-letter topic (a replay) needs its own grant.
 */
export function consumerStatements(
  cluster: KafkaClusterRef,
  topic: string,
  group: string,
): PolicyStatement[] {
  return [
    { Effect: "Allow", Action: CONNECT_ACTIONS, Resource: cluster.clusterArn },
    {
      Effect: "Allow",
      Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
      Resource: kafkaTopicArn(cluster, topic),
    },
    {
      Effect: "Allow",
      Action: ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"],
      Resource: kafkaGroupArn(cluster, group),
    },
    {
      Effect: "Allow",
      Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
      Resource: kafkaTopicArn(cluster, `${topic}${DEAD_LETTER_SUFFIX}`),
    },
  ];
}

/**
 * Topics and their dead-letter topics on one cluster (`acme:messaging:KafkaTopics`).
 *
 * In `kafka-provider` mode the component owns a Kafka provider that connects to the cluster's
 * IAM bootstrap brokers with TLS and SASL `aws-iam`, using the AWS credentials of the process
 * running Pulumi; in `msk-api` mode the topics are `aws.msk.Topic` resources of the AWS provider.
 */
export class KafkaTopics extends pulumi.ComponentResource {
  /** Every topic this component manages, dead-letter topics included, by name. */
  public readonly topicNames: Readonly<Record<string, pulumi.Output<string>>>;
  /** The dead-letter topic of each consumed topic. */
  public readonly deadLetterTopics: Readonly<Record<string, string>>;
  /** The contract of every managed topic; a dead-letter topic carries its source's contract. */
  public readonly contracts: Readonly<Record<string, MessageContract>>;
  /** The Kafka provider of `kafka-provider` mode. */
  public readonly provider?: kafka.Provider;

  private readonly cluster: KafkaClusterRef;
  private readonly specs: Readonly<Record<string, TopicSpec>>;

  constructor(name: string, args: KafkaTopicsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("KafkaTopics", validateKafkaTopicsArgs(args));
    super("acme:messaging:KafkaTopics", name, {}, opts);

    this.cluster = args.cluster;
    this.specs = args.topics;
    const protect = args.protect ?? false;

    if (args.mode === TopicManagement.KafkaProvider) {
      this.provider = new kafka.Provider(
        `${name}-kafka`,
        {
          bootstrapServers: pulumi
            .output(args.cluster.bootstrapBrokersSaslIam)
            .apply((brokers) => brokers.split(",")),
          tlsEnabled: true,
          skipTlsVerify: false,
          saslMechanism: "aws-iam",
          saslAwsRegion: args.cluster.region,
        },
        { parent: this },
      );
    }

    const managed: Array<[string, TopicSpec, MessageContract]> = [];
    const deadLetterTopics: Record<string, string> = {};
    for (const [topic, spec] of Object.entries(args.topics)) {
      const contract = messageContract(spec.contract);
      managed.push([topic, spec, contract]);
      if (spec.consumed) {
        const dlt = `${topic}${DEAD_LETTER_SUFFIX}`;
        deadLetterTopics[topic] = dlt;
        managed.push([dlt, deadLetterSpec(spec), contract]);
      }
    }

    const topicNames: Record<string, pulumi.Output<string>> = {};
    const contracts: Record<string, MessageContract> = {};
    for (const [topic, spec, contract] of managed) {
      contracts[topic] = contract;
      if (this.provider) {
        topicNames[topic] = new kafka.Topic(
          `${name}-${topic}`,
          {
            name: topic,
            partitions: spec.partitions,
            replicationFactor: spec.replicationFactor,
            config: topicConfig(spec),
          },
          { parent: this, provider: this.provider, protect },
        ).name;
      } else {
        topicNames[topic] = new aws.msk.Topic(
          `${name}-${topic}`,
          {
            name: topic,
            clusterArn: args.cluster.clusterArn,
            partitionCount: spec.partitions,
            replicationFactor: spec.replicationFactor,
            configs: JSON.stringify(topicConfig(spec)),
          },
          { parent: this, protect },
        ).name;
      }
    }
    this.topicNames = topicNames;
    this.deadLetterTopics = deadLetterTopics;
    this.contracts = contracts;

    this.registerOutputs({
      topicNames: this.topicNames,
      deadLetterTopics: this.deadLetterTopics,
      contracts: Object.fromEntries(
        Object.entries(contracts).map(([topic, c]) => [topic, `${c.name}@${c.version}`]),
      ),
    });
  }

  /** IAM statements to produce to `topic`, one of this component's topics. */
  public grantProducer(topic: string): PolicyStatement[] {
    this.declared(topic);
    return producerStatements(this.cluster, topic);
  }

  /**
   * IAM statements to consume `topic` as consumer group `group` and dead-letter to its `.dlt`;
   * `topic` must be declared with `consumed: true`.
   */
  public grantConsumer(topic: string, group: string): PolicyStatement[] {
    const spec = this.declared(topic);
    if (!spec.consumed) {
      throw new Error(
        `KafkaTopics: topic "${topic}" is not consumed, so it has no dead-letter topic; set consumed: true on it before granting consumers`,
      );
    }
    // A wildcard would widen the grant to every group it matches.
    if (!/^[^*?]+$/.test(group)) {
      throw new Error(
        `KafkaTopics: consumer group "${group}" must be a non-empty name without "*" or "?"`,
      );
    }
    return consumerStatements(this.cluster, topic, group);
  }

  private declared(topic: string): TopicSpec {
    const spec = this.specs[topic];
    if (!spec) {
      throw new Error(
        `KafkaTopics: "${topic}" is not one of this component's topics (${Object.keys(this.specs).join(", ")})`,
      );
    }
    return spec;
  }
}
