/**
 * CloudWatch alarms for what must page even when the cluster's own monitoring (Prometheus,
 * Alertmanager) is down: messages in a dead-letter queue, MSK broker disk usage, and the silence
 * of Alertmanager's heartbeat (a dead man's switch: Alertmanager publishes the always-firing
 * Watchdog to a heartbeat topic; when the topic stops receiving, the alarm fires). They notify an
 * SNS topic encrypted with a customer-managed key whose policy lets CloudWatch use it; alarms
 * cannot publish to a topic encrypted with the AWS managed `alias/aws/sns` key.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  policyDocument,
  PolicyStatement,
  throwIfInvalid,
  ValidationError,
  KMS_KEY_ARN,
} from "../lib";

/** The runbook of each alarm kind, relative to the repository root. */
export const ALARM_RUNBOOKS = {
  DeadLetterQueueMessages: "docs/runbooks/DeadLetterQueueMessages.md",
  KafkaBrokerDiskUsage: "docs/runbooks/KafkaBrokerDiskUsage.md",
  AlertingHeartbeatMissing: "docs/runbooks/AlertingHeartbeatMissing.md",
  WorkflowExecutionsFailed: "docs/runbooks/WorkflowExecutionsFailed.md",
} as const;

/**
 * The heartbeat alarm's window: SNS reports topic metrics to CloudWatch every five minutes, and
 * Alertmanager beats every five (alertmanager.ts), so three empty periods in a row is silence,
 * not jitter.
 */
export const HEARTBEAT_PERIOD_SECONDS = 300;
export const HEARTBEAT_MISSED_PERIODS = 3;

/** A dead-letter queue to alarm on. */
export interface DeadLetterQueueAlarm {
  /** Short name for the alarm's logical name (`<component>-dlq-<name>`): lowercase, digits, `-`. */
  name: string;
  /** The SQS queue name (not URL or ARN), the `QueueName` dimension. */
  queueName: pulumi.Input<string>;
}

/** The MSK cluster whose brokers' disks are watched. */
export interface KafkaDiskAlarm {
  /** The MSK cluster name, the `Cluster Name` dimension. */
  clusterName: pulumi.Input<string>;
  /** Broker IDs, 1 to the broker count. Plain: one alarm per broker. */
  brokerIds: number[];
  /** Alarm when `KafkaDataLogsDiskUsed` (percent) reaches this, above 0 and below 100. */
  diskUsedPercentThreshold: number;
}

/** A subscriber of the alert topic. */
export interface AlertSubscription {
  /** `email` (the recipient confirms) or `https` (a paging webhook). */
  protocol: "email" | "https";
  /** The address or `https://` URL. */
  endpoint: string;
}

/** Arguments of {@link CloudWatchAlarms}. */
export interface CloudWatchAlarmsArgs extends AwsContext {
  /**
   * ARN of the customer-managed key that encrypts the topic. Its policy must include
   * {@link alertsKeyStatements}, or CloudWatch cannot publish. Not an alias: the AWS managed
   * `alias/aws/sns` key cannot be granted to CloudWatch.
   */
  alertsKeyArn: pulumi.Input<string>;
  /** Dead-letter queues; one alarm each. Plain count. */
  deadLetterQueues: DeadLetterQueueAlarm[];
  /** MSK disk alarms, one per broker. @default none */
  kafka?: KafkaDiskAlarm;
  /** Who gets notified. @default none (subscribe outside this stack) */
  subscriptions?: AlertSubscription[];
  /** Protect the topic from `pulumi destroy`. */
  protect?: boolean;
}

const ALARM_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// A customer-managed key ARN; aliases are refused because the topic policy audit needs the key.

/** Validates {@link CloudWatchAlarmsArgs}; returns every problem. */
export function validateCloudWatchAlarmsArgs(args: CloudWatchAlarmsArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const push = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (typeof args.alertsKeyArn === "string" && !KMS_KEY_ARN.test(args.alertsKeyArn)) {
    push(
      "alertsKeyArn",
      `"${args.alertsKeyArn}" is not a KMS key ARN; pass the ARN of a customer-managed key whose policy includes alertsKeyStatements()`,
    );
  }
  const seen = new Set<string>();
  args.deadLetterQueues.forEach((dlq, i) => {
    if (!ALARM_NAME.test(dlq.name)) {
      push(
        `deadLetterQueues[${i}].name`,
        `"${dlq.name}" must be 1 to 40 lowercase letters, digits and "-", starting with a letter or digit`,
      );
    } else if (seen.has(dlq.name)) {
      push(`deadLetterQueues[${i}].name`, `"${dlq.name}" is used twice; names must be unique`);
    }
    seen.add(dlq.name);
  });
  if (args.kafka) {
    const ids = args.kafka.brokerIds;
    const valid =
      ids.length > 0 &&
      ids.every((id) => Number.isInteger(id) && id >= 1) &&
      new Set(ids).size === ids.length;
    if (!valid) {
      push(
        "kafka.brokerIds",
        `must be distinct integers from 1 (got [${ids.join(", ")}]); MSK numbers brokers 1 to N`,
      );
    }
    const t = args.kafka.diskUsedPercentThreshold;
    if (!(Number.isFinite(t) && t > 0 && t < 100)) {
      push("kafka.diskUsedPercentThreshold", `must be above 0 and below 100 (got ${t})`);
    }
  }
  (args.subscriptions ?? []).forEach((s, i) => {
    const ok =
      s.protocol === "email"
        ? EMAIL.test(s.endpoint)
        : s.protocol === "https" && /^https:\/\/[^\s/]+/.test(s.endpoint);
    if (!ok) {
      push(
        `subscriptions[${i}]`,
        `"${String(s.protocol)}" endpoint "${s.endpoint}" is invalid; use protocol "email" with an address or "https" with an https:// URL`,
      );
    }
  });
  return errors;
}

/**
 * The statements the alerts key's policy needs beside the account root statement: CloudWatch
 * encrypts alarm notifications for the topic in its own name (limited to this account), and SNS
 * uses the key on behalf of this account's principals (publishers and subscribers' deliveries).
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export function alertsKeyStatements(
  region: string,
  accountId: pulumi.Input<string>,
  partition: pulumi.Input<string>,
): PolicyStatement[] {
  return [
    {
      Sid: "CloudWatchAlarmsEncryptNotifications",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
    {
      Sid: "SnsUseInThisAccount",
      Effect: "Allow",
      Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${accountId}:root` },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: {
          "kms:ViaService": `sns.${region}.amazonaws.com`,
          "kms:CallerAccount": accountId,
        },
      },
    },
  ];
}

/**
 * An encrypted alert topic, its policy, and one CloudWatch alarm per dead-letter queue and per MSK
 * broker. Alarms notify on both ALARM and OK so the pager resolves itself.
 */
export class CloudWatchAlarms extends pulumi.ComponentResource {
  public readonly topic: aws.sns.Topic;
  public readonly topicArn: pulumi.Output<string>;
  /**
   * The topic Alertmanager's Watchdog beats on; give its ARN to Alertmanager (a publisher with the
   * alerts key). Its silence raises the `alerting-heartbeat` alarm.
   */
  public readonly heartbeatTopic: aws.sns.Topic;
  public readonly heartbeatTopicArn: pulumi.Output<string>;
  public readonly alarms: Readonly<Record<string, aws.cloudwatch.MetricAlarm>>;

  constructor(name: string, args: CloudWatchAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("CloudWatchAlarms", validateCloudWatchAlarmsArgs(args));
    super("acme:observability:CloudWatchAlarms", name, {}, opts);

    this.topic = new aws.sns.Topic(
      `${name}-alerts`,
      { kmsMasterKeyId: args.alertsKeyArn },
      { parent: this, protect: args.protect },
    );
    this.topicArn = this.topic.arn;

    const statements: PolicyStatement[] = [
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: this.topic.arn,
        Condition: {
          StringEquals: { "aws:SourceAccount": args.accountId },
          ArnLike: {
            "aws:SourceArn": pulumi.interpolate`arn:${args.partition}:cloudwatch:${args.region}:${args.accountId}:alarm:*`,
          },
        },
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: ["sns:Publish", "sns:Subscribe"],
        Resource: this.topic.arn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ];
    new aws.sns.TopicPolicy(
      `${name}-alerts`,
      { arn: this.topic.arn, policy: policyDocument(statements) },
      { parent: this },
    );

    (args.subscriptions ?? []).forEach((s, i) => {
      new aws.sns.TopicSubscription(
        `${name}-alerts-${i}`,
        { topic: this.topic.arn, protocol: s.protocol, endpoint: s.endpoint },
        { parent: this },
      );
    });

    const actions = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };
    const alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
    for (const dlq of args.deadLetterQueues) {
      alarms[`dlq-${dlq.name}`] = new aws.cloudwatch.MetricAlarm(
        `${name}-dlq-${dlq.name}`,
        {
          alarmDescription: pulumi.interpolate`Messages are waiting in dead-letter queue ${dlq.queueName}. Runbook: ${ALARM_RUNBOOKS.DeadLetterQueueMessages}`,
          namespace: "AWS/SQS",
          metricName: "ApproximateNumberOfMessagesVisible",
          dimensions: { QueueName: dlq.queueName },
          statistic: "Maximum",
          period: 60,
          evaluationPeriods: 1,
          comparisonOperator: "GreaterThanThreshold",
          threshold: 0,
          // An empty queue sends no datapoints once idle; that is healthy, not unknown.
          treatMissingData: "notBreaching",
          ...actions,
        },
        { parent: this },
      );
    }
    if (args.kafka) {
      const kafka = args.kafka;
      for (const brokerId of kafka.brokerIds) {
        alarms[`kafka-broker-${brokerId}`] = new aws.cloudwatch.MetricAlarm(
          `${name}-kafka-broker-${brokerId}-disk`,
          {
            alarmDescription: pulumi.interpolate`Broker ${brokerId} of MSK cluster ${kafka.clusterName} has used ${kafka.diskUsedPercentThreshold}% or more of its data disk. Runbook: ${ALARM_RUNBOOKS.KafkaBrokerDiskUsage}`,
            namespace: "AWS/Kafka",
            metricName: "KafkaDataLogsDiskUsed",
            dimensions: { "Cluster Name": kafka.clusterName, "Broker ID": String(brokerId) },
            statistic: "Maximum",
            period: 300,
            evaluationPeriods: 1,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            threshold: kafka.diskUsedPercentThreshold,
            // A broker that stops reporting keeps its last state; broker health has its own alerts.
            treatMissingData: "missing",
            ...actions,
          },
          { parent: this },
        );
      }
    }
    const heartbeat = new aws.sns.Topic(
      `${name}-heartbeat`,
      { kmsMasterKeyId: args.alertsKeyArn },
      { parent: this },
    );
    // Publishers are this account's principals with an IAM grant (Alertmanager's role); the
    // policy only refuses plain HTTP, as the alert topic's does.
    new aws.sns.TopicPolicy(
      `${name}-heartbeat`,
      {
        arn: heartbeat.arn,
        policy: policyDocument([
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: ["sns:Publish", "sns:Subscribe"],
            Resource: heartbeat.arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ]),
      },
      { parent: this },
    );
    alarms.heartbeat = new aws.cloudwatch.MetricAlarm(
      `${name}-alerting-heartbeat`,
      {
        alarmDescription: `Alertmanager has not published its Watchdog heartbeat for ${(HEARTBEAT_MISSED_PERIODS * HEARTBEAT_PERIOD_SECONDS) / 60} minutes: Prometheus, Alertmanager or its AWS access is down, and in-cluster alerts cannot reach anyone. Runbook: ${ALARM_RUNBOOKS.AlertingHeartbeatMissing}`,
        namespace: "AWS/SNS",
        metricName: "NumberOfMessagesPublished",
        dimensions: { TopicName: heartbeat.name },
        statistic: "Sum",
        period: HEARTBEAT_PERIOD_SECONDS,
        evaluationPeriods: HEARTBEAT_MISSED_PERIODS,
        datapointsToAlarm: HEARTBEAT_MISSED_PERIODS,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        // No publishes means no datapoints: silence is the failure this alarm exists for.
        treatMissingData: "breaching",
        ...actions,
      },
      { parent: this },
    );
    this.heartbeatTopic = heartbeat;
    this.heartbeatTopicArn = heartbeat.arn;
    this.alarms = alarms;

    this.registerOutputs({ topicArn: this.topicArn, heartbeatTopicArn: this.heartbeatTopicArn });
  }
}
