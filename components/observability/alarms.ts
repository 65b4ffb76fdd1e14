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
  denyInsecureTransport,
  policyDocument,
  PolicyStatement,
  throwIfInvalid,
  ValidationError,
  KMS_KEY_ARN,
} from "../lib";

/** What the alert topics refuse over plain HTTP (their TLS-only statement). */
const SNS_TLS_ONLY_ACTIONS = ["sns:Publish", "sns:Subscribe"];

/** The runbook of each alarm kind, relative to the repository root. */
export const ALARM_RUNBOOKS = {
  DeadLetterQueueMessages: "docs/runbooks/DeadLetterQueueMessages.md",
  KafkaBrokerDiskUsage: "docs/runbooks/KafkaBrokerDiskUsage.md",
  AlertingHeartbeatMissing: "docs/runbooks/AlertingHeartbeatMissing.md",
  WorkflowExecutionsFailed: "docs/runbooks/WorkflowExecutionsFailed.md",
  // Shared with the Prometheus alerts of the same failure (alertRules.ts): one runbook each.
  KafkaOfflinePartitions: "docs/runbooks/KafkaOfflinePartitions.md",
  KafkaNoActiveController: "docs/runbooks/KafkaNoActiveController.md",
  KafkaUnderReplicatedPartitions: "docs/runbooks/KafkaUnderReplicatedPartitions.md",
  ApiGatewayServerErrors: "docs/runbooks/ApiGatewayServerErrors.md",
  ApiGatewayLatencyHigh: "docs/runbooks/ApiGatewayLatencyHigh.md",
  WorkflowPipeFailures: "docs/runbooks/WorkflowPipeFailures.md",
} as const;

/**
 * The MSK broker health alarms' windows. MSK publishes its DEFAULT-level metrics every minute.
 * Offline partitions and the controller count page after three bad minutes in a row; a replica
 * out of sync pages after three 5-minute periods (15 minutes), past the few minutes per broker a
 * rolling restart (MSK patching, a configuration update) holds partitions under-replicated.
 */
export const KAFKA_HEALTH_ALARM = {
  clusterPeriodSeconds: 60,
  clusterPeriods: 3,
  underReplicatedPeriodSeconds: 300,
  underReplicatedPeriods: 3,
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

/**
 * The MSK cluster whose broker health is watched: each broker's data disk and under-replicated
 * partitions, and the cluster's offline partitions and active controller count (all at MSK's
 * free DEFAULT monitoring level).
 */
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
      denyInsecureTransport(SNS_TLS_ONLY_ACTIONS, this.topic.arn),
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
        // Budget: pages after 15 minutes of a replica out of sync on this broker.
        alarms[`kafka-broker-${brokerId}-under-replicated`] = new aws.cloudwatch.MetricAlarm(
          `${name}-kafka-broker-${brokerId}-under-replicated`,
          {
            alarmDescription: pulumi.interpolate`Broker ${brokerId} of MSK cluster ${kafka.clusterName} has had under-replicated partitions for ${(KAFKA_HEALTH_ALARM.underReplicatedPeriods * KAFKA_HEALTH_ALARM.underReplicatedPeriodSeconds) / 60} minutes. Runbook: ${ALARM_RUNBOOKS.KafkaUnderReplicatedPartitions}`,
            namespace: "AWS/Kafka",
            metricName: "UnderReplicatedPartitions",
            dimensions: { "Cluster Name": kafka.clusterName, "Broker ID": String(brokerId) },
            statistic: "Maximum",
            period: KAFKA_HEALTH_ALARM.underReplicatedPeriodSeconds,
            evaluationPeriods: KAFKA_HEALTH_ALARM.underReplicatedPeriods,
            datapointsToAlarm: KAFKA_HEALTH_ALARM.underReplicatedPeriods,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
            // A broker that stops reporting keeps its last state; the controller alarm pages on
            // a cluster that stops reporting.
            treatMissingData: "missing",
            ...actions,
          },
          { parent: this },
        );
      }
      const minutes =
        (KAFKA_HEALTH_ALARM.clusterPeriods * KAFKA_HEALTH_ALARM.clusterPeriodSeconds) / 60;
      // Budget: pages after 3 minutes with a partition that has no leader. Every broker reports
      // the metric under `Cluster Name` (the controller its count, the others 0): Maximum.
      alarms["kafka-offline-partitions"] = new aws.cloudwatch.MetricAlarm(
        `${name}-kafka-offline-partitions`,
        {
          alarmDescription: pulumi.interpolate`MSK cluster ${kafka.clusterName} has had offline partitions (no leader: neither readable nor writable) for ${minutes} minutes. Runbook: ${ALARM_RUNBOOKS.KafkaOfflinePartitions}`,
          namespace: "AWS/Kafka",
          metricName: "OfflinePartitionsCount",
          dimensions: { "Cluster Name": kafka.clusterName },
          statistic: "Maximum",
          period: KAFKA_HEALTH_ALARM.clusterPeriodSeconds,
          evaluationPeriods: KAFKA_HEALTH_ALARM.clusterPeriods,
          datapointsToAlarm: KAFKA_HEALTH_ALARM.clusterPeriods,
          comparisonOperator: "GreaterThanThreshold",
          threshold: 0,
          treatMissingData: "missing",
          ...actions,
        },
        { parent: this },
      );
      // Budget: pages after 3 minutes without exactly one active controller. Each broker (each
      // controller node on KRaft) reports 1 when it is the active controller, else 0, so the
      // per-minute Sum is the number of active controllers: |sum - 1| > 0 catches none and two.
      alarms["kafka-active-controller"] = new aws.cloudwatch.MetricAlarm(
        `${name}-kafka-active-controller`,
        {
          alarmDescription: pulumi.interpolate`MSK cluster ${kafka.clusterName} has not had exactly one active controller for ${minutes} minutes, or has stopped reporting. Runbook: ${ALARM_RUNBOOKS.KafkaNoActiveController}`,
          metricQueries: [
            {
              id: "controllers",
              metric: {
                namespace: "AWS/Kafka",
                metricName: "ActiveControllerCount",
                dimensions: { "Cluster Name": kafka.clusterName },
                stat: "Sum",
                period: KAFKA_HEALTH_ALARM.clusterPeriodSeconds,
              },
              // PutMetricAlarm: exactly one query returns data, the alarm's expression.
              returnData: false,
            },
            {
              id: "offBy",
              expression: "ABS(controllers - 1)",
              label: "Active controllers away from one",
              returnData: true,
            },
          ],
          evaluationPeriods: KAFKA_HEALTH_ALARM.clusterPeriods,
          datapointsToAlarm: KAFKA_HEALTH_ALARM.clusterPeriods,
          comparisonOperator: "GreaterThanThreshold",
          threshold: 0,
          // MSK reports this every minute from ACTIVE on; silence means the cluster, or its
          // monitoring, is gone: page.
          treatMissingData: "breaching",
          ...actions,
        },
        { parent: this },
      );
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
        policy: policyDocument([denyInsecureTransport(SNS_TLS_ONLY_ACTIONS, heartbeat.arn)]),
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

/**
 * The metric queries of an alarm on several count metrics of one resource added up, a period
 * without datapoints counting 0: one `Sum` query per metric and their sum, the one query that
 * returns data (PutMetricAlarm: exactly one does). With `GreaterThanThreshold` 0, the alarm fires
 * on any of them.
 */
export function countsSumQueries(
  namespace: string,
  metricNames: readonly string[],
  dimensions: Record<string, pulumi.Input<string>>,
  periodSeconds: number,
  label: string,
): aws.types.input.cloudwatch.MetricAlarmMetricQuery[] {
  return [
    ...metricNames.map((metricName, i) => ({
      id: `m${i}`,
      metric: { namespace, metricName, dimensions, stat: "Sum", period: periodSeconds },
      returnData: false,
    })),
    {
      id: "failed",
      expression: metricNames.map((_, i) => `FILL(m${i}, 0)`).join(" + "),
      label,
      returnData: true,
    },
  ];
}

/** The API Gateway REST API stage to alarm on. */
export interface ApiGatewayAlarm {
  /** The REST API's name, the `ApiName` dimension. */
  apiName: pulumi.Input<string>;
  /** The stage name, the `Stage` dimension. */
  stageName: pulumi.Input<string>;
  /**
   * Share of requests answered 5XX (the `5XXError` Average) above which it alarms, above 0 and
   * below 1. @default API_ALARM_DEFAULTS.serverErrorRatio (0.05)
   */
  serverErrorRatio?: number;
  /**
   * p99 of `Latency` (milliseconds, the gateway's whole answer) above which it alarms; below
   * API Gateway's 29 s integration timeout. @default API_ALARM_DEFAULTS.latencyP99Ms (2500)
   */
  latencyP99Ms?: number;
}

/** The owned defaults of {@link ApiGatewayAlarm}, reviewed as alerting posture. */
export const API_ALARM_DEFAULTS = {
  /** 5% of requests failing: far above Service A's 99.9% objective, so an outage, not noise. */
  serverErrorRatio: 0.05,
  /** Service A answers 202 and queues the work; 2.5 s at p99 is a path in trouble. */
  latencyP99Ms: 2500,
  /** 5XX: five bad minutes in a row; latency: three bad 5-minute periods. */
  serverErrorPeriodSeconds: 60,
  serverErrorPeriods: 5,
  latencyPeriodSeconds: 300,
  latencyPeriods: 3,
} as const;

/** API Gateway REST integrations time out at 29 s (components/api/document.ts). */
const API_GATEWAY_TIMEOUT_MS = 29_000;

/** Arguments of {@link RequestPathAlarms}. */
export interface RequestPathAlarmsArgs {
  /** The alert topic the alarms notify ({@link CloudWatchAlarms.topicArn}). */
  topicArn: pulumi.Input<string>;
  /** The front door. @default none */
  api?: ApiGatewayAlarm;
  /**
   * The EventBridge pipe that starts the Step Functions engine's executions (the `PipeName`
   * dimension). @default none (the Argo engine has no pipe)
   */
  workflowPipeName?: pulumi.Input<string>;
}

/** Validates {@link RequestPathAlarmsArgs}; returns every problem. */
export function validateRequestPathAlarmsArgs(args: RequestPathAlarmsArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const ratio = args.api?.serverErrorRatio;
  if (ratio !== undefined && !(ratio > 0 && ratio < 1)) {
    errors.push({
      propertyPath: "api.serverErrorRatio",
      reason: `must be above 0 and below 1 (a share of requests, e.g. 0.05), got ${ratio}`,
    });
  }
  const latency = args.api?.latencyP99Ms;
  if (latency !== undefined && !(latency > 0 && latency < API_GATEWAY_TIMEOUT_MS)) {
    errors.push({
      propertyPath: "api.latencyP99Ms",
      reason: `must be above 0 and below API Gateway's ${API_GATEWAY_TIMEOUT_MS} ms integration timeout, got ${latency}`,
    });
  }
  return errors;
}

/**
 * CloudWatch alarms on the AWS-managed hops of the request path, which no in-cluster exporter
 * sees and which must page even when the cluster is down: the API Gateway stage (5XX share,
 * including the integration's 502/504 when the VPC link, load balancer or Service A fail, and p99
 * latency) and the Step Functions engine's EventBridge pipe (executions that fail or time out).
 * Created after the gateway and the engine, so apart from {@link CloudWatchAlarms}.
 */
export class RequestPathAlarms extends pulumi.ComponentResource {
  public readonly alarms: Readonly<Record<string, aws.cloudwatch.MetricAlarm>>;

  constructor(name: string, args: RequestPathAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfInvalid("RequestPathAlarms", validateRequestPathAlarmsArgs(args));
    super("acme:observability:RequestPathAlarms", name, {}, opts);
    const actions = { alarmActions: [args.topicArn], okActions: [args.topicArn] };
    const alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
    const d = API_ALARM_DEFAULTS;

    if (args.api) {
      const api = args.api;
      const dimensions = { ApiName: api.apiName, Stage: api.stageName };
      const ratio = api.serverErrorRatio ?? d.serverErrorRatio;
      const latency = api.latencyP99Ms ?? d.latencyP99Ms;
      // Budget: pages after 5 minutes with more than 5% of requests failing.
      alarms["api-5xx"] = new aws.cloudwatch.MetricAlarm(
        `${name}-api-5xx`,
        {
          alarmDescription: pulumi.interpolate`More than ${ratio * 100}% of requests to API ${api.apiName} (stage ${api.stageName}) were answered 5XX for ${(d.serverErrorPeriods * d.serverErrorPeriodSeconds) / 60} minutes. Runbook: ${ALARM_RUNBOOKS.ApiGatewayServerErrors}`,
          namespace: "AWS/ApiGateway",
          metricName: "5XXError",
          dimensions,
          // Average of a 0/1 per request: the share of requests answered 5XX.
          statistic: "Average",
          period: d.serverErrorPeriodSeconds,
          evaluationPeriods: d.serverErrorPeriods,
          datapointsToAlarm: d.serverErrorPeriods,
          comparisonOperator: "GreaterThanThreshold",
          threshold: ratio,
          // No requests, no datapoints: nothing failed.
          treatMissingData: "notBreaching",
          ...actions,
        },
        { parent: this },
      );
      // Budget: pages after 15 minutes of a slow p99.
      alarms["api-latency"] = new aws.cloudwatch.MetricAlarm(
        `${name}-api-latency`,
        {
          alarmDescription: pulumi.interpolate`The p99 latency of API ${api.apiName} (stage ${api.stageName}) has been above ${latency} ms for ${(d.latencyPeriods * d.latencyPeriodSeconds) / 60} minutes. Runbook: ${ALARM_RUNBOOKS.ApiGatewayLatencyHigh}`,
          namespace: "AWS/ApiGateway",
          metricName: "Latency",
          dimensions,
          extendedStatistic: "p99",
          period: d.latencyPeriodSeconds,
          evaluationPeriods: d.latencyPeriods,
          datapointsToAlarm: d.latencyPeriods,
          comparisonOperator: "GreaterThanThreshold",
          threshold: latency,
          treatMissingData: "notBreaching",
          ...actions,
        },
        { parent: this },
      );
    }

    if (args.workflowPipeName !== undefined) {
      // Budget: pages on the first 5-minute period with a failed or timed-out pipe execution.
      // The message goes back to the queue and, after maxReceiveCount, to its dead-letter queue
      // (which alarms too), but a pipe that cannot start executions (its role, the key, the
      // state machine) fails every message: this says so before they dead-letter.
      alarms["workflow-pipe"] = new aws.cloudwatch.MetricAlarm(
        `${name}-workflow-pipe`,
        {
          alarmDescription: pulumi.interpolate`Executions of EventBridge pipe ${args.workflowPipeName} failed or timed out: requests are not starting workflows. Runbook: ${ALARM_RUNBOOKS.WorkflowPipeFailures}`,
          comparisonOperator: "GreaterThanThreshold",
          threshold: 0,
          evaluationPeriods: 1,
          metricQueries: countsSumQueries(
            "AWS/EventBridge/Pipes",
            ["ExecutionFailed", "ExecutionTimeout"],
            { PipeName: args.workflowPipeName },
            300,
            "Pipe executions that failed or timed out",
          ),
          // No messages, no executions: healthy.
          treatMissingData: "notBreaching",
          ...actions,
        },
        { parent: this },
      );
    }
    this.alarms = alarms;
    this.registerOutputs({});
  }
}
