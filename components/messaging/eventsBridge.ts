/**
 * The bridge from a Kafka topic on MSK to an SQS queue: an EventBridge pipe reads the topic with
 * IAM as one consumer group and writes each record, as one message, to a queue of its own (with a
 * dead-letter queue). A consumer that cannot speak Kafka with IAM (Argo Events v1.9.10; see
 * docs/workflows-events.md, "Kafka: why a bridge") polls that queue instead.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  pipeKeyStatements,
  policyDocument,
  type PolicyStatement,
  serviceTrustPolicy,
  throwIfInvalid,
  type ValidationError,
} from "../lib";
import { Queue } from "./queue";

/** Arguments of {@link EventsBridge}. */
export interface EventsBridgeArgs extends AwsContext {
  /** The MSK cluster ARN: the source of the pipe. */
  clusterArn: pulumi.Input<string>;
  /** The topic to read (declared `consumed: true` in `KafkaTopics`). */
  topic: string;
  /** The consumer group the pipe joins; a name, no wildcard. */
  consumerGroup: string;
  /**
   * IAM statements to consume `topic` as `consumerGroup`: `KafkaTopics.grantConsumer(topic,
   * consumerGroup)`. They go to the pipe's role, which is the only Kafka client.
   */
  grantConsumer: PolicyStatement[];
  /** The customer-managed key of the queue (the platform's data key ARN). */
  kmsKeyArn: pulumi.Input<string>;
  /**
   * The CloudEvents `type`s to forward, at least one: the pipe filters on the `type` field of
   * each record's JSON value ({@link pipeFilterPattern}) and drops every other record, so the
   * queue and its consumer only see these.
   */
  eventTypes: string[];
  /**
   * The visibility timeout the consumer receives with, in seconds: the queue's timeout and the
   * consumer's processing time both (see `Queue`).
   */
  visibilityTimeoutSeconds: number;
  /** Who polls the queue, as the role's and the pipe's descriptions name it ("Argo Events"). */
  consumer: string;
  /**
   * The logical name of the pipe's role and of its policy. Logical names are identity: a new one
   * would give the role a new physical name, and the pipe a new role.
   * @default `${name}-pipe`
   */
  roleResourceName?: string;
}

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/** The longest filter pattern a pipe takes (`Filter.Pattern`, CloudFormation AWS::Pipes::Pipe). */
export const PIPE_FILTER_PATTERN_MAX = 4096;

/**
 * The pipe's filter pattern: records whose value, decoded from base64 and parsed as JSON, has a
 * `type` equal to one of `eventTypes`. An MSK pipe filters on the record's `value` key, which it
 * matches as JSON when the value is JSON (the event-pattern engine of Lambda's Kafka event source
 * mappings; docs: EventBridge "Event filtering in Amazon EventBridge Pipes", Lambda "Filtering
 * events from Amazon MSK and self-managed Apache Kafka event sources").
 */
export function pipeFilterPattern(eventTypes: readonly string[]): string {
  return JSON.stringify({ value: { type: [...eventTypes] } });
}

/** Validates what {@link EventsBridgeArgs} says about the topic; returns every problem. */
export function validateEventsBridgeArgs(
  args: Pick<EventsBridgeArgs, "topic" | "consumerGroup" | "grantConsumer" | "eventTypes">,
): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (!TOPIC.test(args.topic)) {
    add("topic", `"${args.topic}" is not a Kafka topic name`);
  }
  if (!/^[^*?\s]{1,200}$/.test(args.consumerGroup)) {
    add(
      "consumerGroup",
      `"${args.consumerGroup}" must be 1 to 200 characters without "*", "?" or spaces (a wildcard would widen the grant)`,
    );
  }
  if (args.grantConsumer.length === 0) {
    add(
      "grantConsumer",
      "is empty; pass KafkaTopics.grantConsumer(topic, consumerGroup) so the pipe can read the topic",
    );
  }
  if (args.eventTypes.length === 0) {
    add("eventTypes", "is empty; list the event types to forward, or create no bridge");
  }
  const seen = new Set<string>();
  args.eventTypes.forEach((type, i) => {
    if (seen.has(type)) add(`eventTypes[${i}]`, `"${type}" is listed twice; list it once`);
    seen.add(type);
  });
  const pattern = pipeFilterPattern(args.eventTypes);
  if (pattern.length > PIPE_FILTER_PATTERN_MAX) {
    add(
      "eventTypes",
      `make a filter pattern of ${pattern.length} characters; a pipe takes at most ${PIPE_FILTER_PATTERN_MAX}: list fewer types`,
    );
  }
  return errors;
}

/**
 * MSK (IAM) -> EventBridge pipe -> SQS (`acme:messaging:EventsBridge`).
 *
 * - Queue `name` (contract `domain-event`) with a dead-letter queue after 5 receives, encrypted
 *   with `kmsKeyArn`, kept four days.
 * - Pipe `name`, physical name `<name>-` plus a generated suffix, reading `topic` as
 *   `consumerGroup` from the end, 10 records a batch, forwarding only records whose JSON value
 *   has one of `eventTypes` as its `type`.
 * - Its role, assumable only by a pipe of this account whose name has that prefix, holding
 *   `grantConsumer`, broker discovery, the interfaces the pipe creates in the cluster's subnets
 *   and the queue's producer grant.
 *
 * Its resources were children of `ArgoEvents` (the component's parent) before the bridge was a
 * component of its own: each aliases the URN it had there, so an existing stack keeps them.
 */
export class EventsBridge extends pulumi.ComponentResource {
  /** The queue (with its dead-letter queue) the pipe writes to and the consumer polls. */
  public readonly queue: Queue;
  public readonly roleArn: pulumi.Output<string>;
  public readonly pipeArn: pulumi.Output<string>;

  constructor(name: string, args: EventsBridgeArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything registers.
    throwIfInvalid("EventsBridge", validateEventsBridgeArgs(args));
    super("acme:messaging:EventsBridge", name, {}, opts);
    const roleName = args.roleResourceName ?? `${name}-pipe`;
    /** The URN the resource had as a child of this component's parent. */
    const moved = (childName: string, type: string) =>
      opts?.parent ? { aliases: [pulumi.createUrn(childName, type, opts.parent)] } : {};

    this.queue = new Queue(
      name,
      {
        contract: "domain-event",
        kmsKeyArn: args.kmsKeyArn,
        visibilityTimeoutSeconds: args.visibilityTimeoutSeconds,
        consumerProcessingTimeoutSeconds: args.visibilityTimeoutSeconds,
        messageRetentionSeconds: 4 * 24 * 3600,
        deadLetter: { maxReceiveCount: 5 },
        region: args.region,
      },
      { parent: this, ...moved(name, "acme:messaging:Queue") },
    );
    const pipePrefix = `${name}-`;
    const pipesArn = pulumi.interpolate`arn:${args.partition}:pipes:${args.region}:${args.accountId}:pipe/${pipePrefix}*`;
    const role = new aws.iam.Role(
      roleName,
      {
        description: `EventBridge pipe: ${args.topic} on MSK to the ${args.consumer} bridge queue`,
        assumeRolePolicy: serviceTrustPolicy("pipes.amazonaws.com", {
          condition: {
            StringEquals: { "aws:SourceAccount": args.accountId },
            ArnLike: {
              "aws:SourceArn": pipesArn,
            },
          },
        }),
      },
      { parent: this, ...moved(roleName, "aws:iam/role:Role") },
    );
    const policy = new aws.iam.RolePolicy(
      roleName,
      {
        role: role.id,
        policy: policyDocument([
          // Reading the topic as the consumer group: the grant KafkaTopics made for it.
          ...args.grantConsumer,
          {
            Sid: "FindBrokers",
            Effect: "Allow",
            Action: ["kafka:DescribeClusterV2", "kafka:GetBootstrapBrokers"],
            Resource: args.clusterArn,
          },
          {
            // The pipe reaches the brokers through interfaces it creates in the cluster's
            // subnets; these EC2 actions do not support resource-level scoping.
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
          ...this.queue.grantProducer(),
          // The pipe itself is encrypted with the same key (kmsKeyIdentifier below).
          ...pipeKeyStatements(args.kmsKeyArn, pipesArn),
        ]),
      },
      { parent: this, ...moved(roleName, "aws:iam/rolePolicy:RolePolicy") },
    );
    const pipe = new aws.pipes.Pipe(
      name,
      {
        namePrefix: pipePrefix,
        description: `Domain events from ${args.topic} to ${args.consumer} (MSK IAM bridge)`,
        roleArn: role.arn,
        source: args.clusterArn,
        sourceParameters: {
          managedStreamingKafkaParameters: {
            topicName: args.topic,
            consumerGroupId: args.consumerGroup,
            // A new group starts at the end: replaying the topic's retention would hand the
            // consumer every past event again (Argo Events: one workflow each).
            startingPosition: "LATEST",
            // SQS takes at most 10 messages per batch; each record becomes one message.
            batchSize: 10,
            maximumBatchingWindowInSeconds: 1,
          },
          // Only the listed event types go on: the pipe drops (and commits) every other record.
          filterCriteria: { filters: [{ pattern: pipeFilterPattern(args.eventTypes) }] },
        },
        target: this.queue.queueArn,
        desiredState: "RUNNING",
        // The pipe's settings (source, filter, target) at rest under the data key.
        kmsKeyIdentifier: args.kmsKeyArn,
      },
      { parent: this, dependsOn: [policy], ...moved(name, "aws:pipes/pipe:Pipe") },
    );

    this.roleArn = role.arn;
    this.pipeArn = pipe.arn;
    this.registerOutputs({
      queueUrl: this.queue.queueUrl,
      roleArn: this.roleArn,
      pipeArn: this.pipeArn,
    });
  }
}
