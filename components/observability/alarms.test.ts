import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { Capture } from "../../tools/mocks";
import { MOCK_ACCOUNT_ID, mockPlatform, ofType, single, TEST_REGION } from "../../tools/testing";
import {
  ALARM_RUNBOOKS,
  alertsKeyStatements,
  CloudWatchAlarms,
  CloudWatchAlarmsArgs,
  countsSumQueries,
  RequestPathAlarms,
  validateCloudWatchAlarmsArgs,
  validateRequestPathAlarmsArgs,
} from "./alarms";

const KEY_ARN = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const baseArgs: CloudWatchAlarmsArgs = {
  alertsKeyArn: KEY_ARN,
  accountId: MOCK_ACCOUNT_ID,
  partition: "aws",
  region: TEST_REGION,
  deadLetterQueues: [
    { name: "orders", queueName: "orders-dlq-1a2b3c4" },
    { name: "payments", queueName: pulumi.output("payments-dlq-5d6e7f8") },
  ],
  kafka: { clusterName: "acme-events", brokerIds: [1, 2, 3], diskUsedPercentThreshold: 80 },
  subscriptions: [
    { protocol: "email", endpoint: "oncall@example.com" },
    { protocol: "https", endpoint: "https://pager.example.com/hooks/aws" },
  ],
};

const TOPIC_ARN_PATTERN = new RegExp(
  `^arn:aws:sns:${TEST_REGION}:${MOCK_ACCOUNT_ID}:alarms-alerts-[0-9a-f]{7}$`,
);

describe("CloudWatchAlarms", () => {
  let capture: Capture;
  let component: string;
  let topicArn: string;
  let heartbeatArn: string;

  before(async () => {
    capture = await mockPlatform();
    const alarms = new CloudWatchAlarms("alarms", baseArgs);
    new CloudWatchAlarms("minimal", {
      ...baseArgs,
      deadLetterQueues: [{ name: "orders", queueName: "orders-dlq" }],
      kafka: undefined,
      subscriptions: undefined,
      protect: true,
    });
    await capture.settle();
    component = await new Promise<string>((resolve) => alarms.urn.apply(resolve));
    topicArn = await new Promise<string>((resolve) => alarms.topicArn.apply(resolve));
    heartbeatArn = await new Promise<string>((resolve) => alarms.heartbeatTopicArn.apply(resolve));
  });

  it("encrypts the alert topic with the alerts key and exposes its ARN", () => {
    const topics = ofType(capture, "aws:sns/topic:Topic", component).filter(
      (t) => t.name === "alarms-alerts",
    );
    assert.equal(topics.length, 1);
    assert.deepEqual(topics[0].inputs, { kmsMasterKeyId: KEY_ARN });
    assert.equal(topics[0].protect, false);
    assert.match(topicArn, TOPIC_ARN_PATTERN);
    assert.equal(topics[0].id, topicArn);
  });

  it("lets only this account's alarms publish, and denies requests without TLS", () => {
    const policies = ofType(capture, "aws:sns/topicPolicy:TopicPolicy", component).filter(
      (p) => p.name === "alarms-alerts",
    );
    assert.equal(policies.length, 1);
    assert.equal(policies[0].inputs.arn, topicArn);
    assert.deepEqual(JSON.parse(policies[0].inputs.policy as string), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topicArn,
          Condition: {
            StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
            ArnLike: {
              "aws:SourceArn": `arn:aws:cloudwatch:${TEST_REGION}:${MOCK_ACCOUNT_ID}:alarm:*`,
            },
          },
        },
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: ["sns:Publish", "sns:Subscribe"],
          Resource: topicArn,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  it("subscribes each endpoint to the topic", () => {
    const subs = ofType(capture, "aws:sns/topicSubscription:TopicSubscription", component);
    assert.deepEqual(
      subs.map((s) => [s.name, s.inputs]),
      [
        ["alarms-alerts-0", { topic: topicArn, protocol: "email", endpoint: "oncall@example.com" }],
        [
          "alarms-alerts-1",
          { topic: topicArn, protocol: "https", endpoint: "https://pager.example.com/hooks/aws" },
        ],
      ],
    );
  });

  it("alarms on any visible message in each dead-letter queue", () => {
    for (const [name, queueName] of [
      ["orders", "orders-dlq-1a2b3c4"],
      ["payments", "payments-dlq-5d6e7f8"],
    ]) {
      const alarm = single(capture, "aws:cloudwatch/metricAlarm:MetricAlarm", `alarms-dlq-${name}`);
      assert.equal(alarm.parent, component);
      assert.deepEqual(alarm.inputs, {
        alarmDescription: `Messages are waiting in dead-letter queue ${queueName}. Runbook: docs/runbooks/DeadLetterQueueMessages.md`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: queueName },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 1,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        treatMissingData: "notBreaching",
        alarmActions: [topicArn],
        okActions: [topicArn],
      });
    }
  });

  it("alarms on each MSK broker's data disk usage at the threshold", () => {
    const names = ofType(capture, "aws:cloudwatch/metricAlarm:MetricAlarm", component)
      .map((a) => a.name)
      .filter((n) => n.includes("kafka"))
      .sort();
    assert.deepEqual(names, [
      "alarms-kafka-active-controller",
      "alarms-kafka-broker-1-disk",
      "alarms-kafka-broker-1-under-replicated",
      "alarms-kafka-broker-2-disk",
      "alarms-kafka-broker-2-under-replicated",
      "alarms-kafka-broker-3-disk",
      "alarms-kafka-broker-3-under-replicated",
      "alarms-kafka-offline-partitions",
    ]);
    const alarm = single(
      capture,
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "alarms-kafka-broker-2-disk",
    );
    assert.deepEqual(alarm.inputs, {
      alarmDescription:
        "Broker 2 of MSK cluster acme-events has used 80% or more of its data disk. Runbook: docs/runbooks/KafkaBrokerDiskUsage.md",
      namespace: "AWS/Kafka",
      metricName: "KafkaDataLogsDiskUsed",
      dimensions: { "Cluster Name": "acme-events", "Broker ID": "2" },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 80,
      treatMissingData: "missing",
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
  });

  it("pages after 15 minutes of under-replicated partitions on each MSK broker", () => {
    const alarm = single(
      capture,
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "alarms-kafka-broker-3-under-replicated",
    );
    assert.equal(alarm.parent, component);
    assert.deepEqual(alarm.inputs, {
      alarmDescription:
        "Broker 3 of MSK cluster acme-events has had under-replicated partitions for 15 minutes. Runbook: docs/runbooks/KafkaUnderReplicatedPartitions.md",
      namespace: "AWS/Kafka",
      metricName: "UnderReplicatedPartitions",
      dimensions: { "Cluster Name": "acme-events", "Broker ID": "3" },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "missing",
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
  });

  it("pages after 3 minutes with an offline partition in the MSK cluster", () => {
    const alarm = single(
      capture,
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "alarms-kafka-offline-partitions",
    );
    assert.deepEqual(alarm.inputs, {
      alarmDescription:
        "MSK cluster acme-events has had offline partitions (no leader: neither readable nor writable) for 3 minutes. Runbook: docs/runbooks/KafkaOfflinePartitions.md",
      namespace: "AWS/Kafka",
      metricName: "OfflinePartitionsCount",
      dimensions: { "Cluster Name": "acme-events" },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "missing",
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
  });

  it("pages when the per-minute sum of active controllers is not 1, or missing, for 3 minutes", () => {
    const alarm = single(
      capture,
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "alarms-kafka-active-controller",
    );
    assert.deepEqual(alarm.inputs, {
      alarmDescription:
        "MSK cluster acme-events has not had exactly one active controller for 3 minutes, or has stopped reporting. Runbook: docs/runbooks/KafkaNoActiveController.md",
      metricQueries: [
        {
          id: "controllers",
          metric: {
            namespace: "AWS/Kafka",
            metricName: "ActiveControllerCount",
            dimensions: { "Cluster Name": "acme-events" },
            stat: "Sum",
            period: 60,
          },
          returnData: false,
        },
        {
          id: "offBy",
          expression: "ABS(controllers - 1)",
          label: "Active controllers away from one",
          returnData: true,
        },
      ],
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "breaching",
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
  });

  it("alarms when Alertmanager's heartbeat topic goes silent", () => {
    const topic = single(capture, "aws:sns/topic:Topic", "alarms-heartbeat");
    assert.equal(topic.parent, component);
    assert.deepEqual(topic.inputs, { kmsMasterKeyId: KEY_ARN });
    assert.match(heartbeatArn, /:alarms-heartbeat-[0-9a-f]{7}$/);
    const policy = single(capture, "aws:sns/topicPolicy:TopicPolicy", "alarms-heartbeat");
    assert.deepEqual(JSON.parse(policy.inputs.policy as string).Statement, [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: ["sns:Publish", "sns:Subscribe"],
        Resource: heartbeatArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    const alarm = single(
      capture,
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "alarms-alerting-heartbeat",
    );
    assert.deepEqual(alarm.inputs, {
      alarmDescription:
        "Alertmanager has not published its Watchdog heartbeat for 15 minutes: Prometheus, Alertmanager or its AWS access is down, and in-cluster alerts cannot reach anyone. Runbook: docs/runbooks/AlertingHeartbeatMissing.md",
      namespace: "AWS/SNS",
      metricName: "NumberOfMessagesPublished",
      dimensions: { TopicName: heartbeatArn.split(":").pop() },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      treatMissingData: "breaching",
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
  });

  it("creates only the two topics, their policies, the heartbeat alarm and one DLQ alarm for one queue and no Kafka", async () => {
    const minimal = [...capture.resources.values()].filter((r) =>
      r.urn.includes("CloudWatchAlarms$"),
    );
    const under = minimal.filter((r) => r.name.startsWith("minimal-"));
    assert.deepEqual(under.map((r) => [r.type, r.name]).sort(), [
      ["aws:cloudwatch/metricAlarm:MetricAlarm", "minimal-alerting-heartbeat"],
      ["aws:cloudwatch/metricAlarm:MetricAlarm", "minimal-dlq-orders"],
      ["aws:sns/topic:Topic", "minimal-alerts"],
      ["aws:sns/topic:Topic", "minimal-heartbeat"],
      ["aws:sns/topicPolicy:TopicPolicy", "minimal-alerts"],
      ["aws:sns/topicPolicy:TopicPolicy", "minimal-heartbeat"],
    ]);
    assert.equal(single(capture, "aws:sns/topic:Topic", "minimal-alerts").protect, true);
  });

  it("links each alarm kind to a runbook that exists", () => {
    const root = path.resolve(__dirname, "../..");
    for (const runbook of Object.values(ALARM_RUNBOOKS)) {
      assert.ok(fs.existsSync(path.join(root, runbook)), `${runbook} is missing`);
    }
  });

  it("rejects every invalid argument at once, before registering anything", async () => {
    const bad: CloudWatchAlarmsArgs = {
      ...baseArgs,
      alertsKeyArn: "alias/aws/sns",
      deadLetterQueues: [
        { name: "Orders", queueName: "x" },
        { name: "dup", queueName: "y" },
        { name: "dup", queueName: "z" },
      ],
      kafka: { clusterName: "c", brokerIds: [0, 1, 1], diskUsedPercentThreshold: 100 },
      subscriptions: [
        { protocol: "email", endpoint: "not-an-address" },
        { protocol: "https", endpoint: "http://insecure.example.com" },
      ],
    };
    assert.deepEqual(
      validateCloudWatchAlarmsArgs(bad).map((e) => [e.propertyPath, e.reason]),
      [
        [
          "alertsKeyArn",
          '"alias/aws/sns" is not a KMS key ARN; pass the ARN of a customer-managed key whose policy includes alertsKeyStatements()',
        ],
        [
          "deadLetterQueues[0].name",
          '"Orders" must be 1 to 40 lowercase letters, digits and "-", starting with a letter or digit',
        ],
        ["deadLetterQueues[2].name", '"dup" is used twice; names must be unique'],
        [
          "kafka.brokerIds",
          "must be distinct integers from 1 (got [0, 1, 1]); MSK numbers brokers 1 to N",
        ],
        ["kafka.diskUsedPercentThreshold", "must be above 0 and below 100 (got 100)"],
        [
          "subscriptions[0]",
          '"email" endpoint "not-an-address" is invalid; use protocol "email" with an address or "https" with an https:// URL',
        ],
        [
          "subscriptions[1]",
          '"https" endpoint "http://insecure.example.com" is invalid; use protocol "email" with an address or "https" with an https:// URL',
        ],
      ],
    );
    assert.deepEqual(
      validateCloudWatchAlarmsArgs({ ...baseArgs, deadLetterQueues: [], kafka: undefined }),
      [],
      "the heartbeat alone is worth alarming on",
    );
    assert.deepEqual(
      validateCloudWatchAlarmsArgs({ ...baseArgs, alertsKeyArn: pulumi.output("unknown") }),
      [],
      "an Output key ARN is not checked at construction",
    );

    const before = capture.resources.size;
    assert.throws(
      () => new CloudWatchAlarms("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        e.message.startsWith("CloudWatchAlarms: 7 invalid arguments:\n  - alertsKeyArn: "),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before, "nothing, not even the component, registers");
  });
});

describe("RequestPathAlarms", () => {
  const TOPIC = `arn:aws:sns:${TEST_REGION}:${MOCK_ACCOUNT_ID}:alerts`;
  let capture: Capture;
  let component: string;

  before(async () => {
    capture = await mockPlatform();
    const alarms = new RequestPathAlarms("path", {
      topicArn: TOPIC,
      api: { apiName: pulumi.output("service-a"), stageName: "v1" },
      workflowPipeName: pulumi.output("requests-pipe-1a2b3c4"),
    });
    new RequestPathAlarms("tuned", {
      topicArn: TOPIC,
      api: { apiName: "service-a", stageName: "v1", serverErrorRatio: 0.01, latencyP99Ms: 800 },
    });
    await capture.settle();
    component = await new Promise<string>((resolve) => alarms.urn.apply(resolve));
  });

  const alarm = (name: string) => single(capture, "aws:cloudwatch/metricAlarm:MetricAlarm", name);

  it("pages after 5 minutes with more than 5% of the stage's requests answered 5XX", () => {
    const a = alarm("path-api-5xx");
    assert.equal(a.parent, component);
    assert.deepEqual(a.inputs, {
      alarmDescription:
        "More than 5% of requests to API service-a (stage v1) were answered 5XX for 5 minutes. Runbook: docs/runbooks/ApiGatewayServerErrors.md",
      namespace: "AWS/ApiGateway",
      metricName: "5XXError",
      dimensions: { ApiName: "service-a", Stage: "v1" },
      statistic: "Average",
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0.05,
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
  });

  it("pages after 15 minutes of a p99 latency above 2500 ms", () => {
    assert.deepEqual(alarm("path-api-latency").inputs, {
      alarmDescription:
        "The p99 latency of API service-a (stage v1) has been above 2500 ms for 15 minutes. Runbook: docs/runbooks/ApiGatewayLatencyHigh.md",
      namespace: "AWS/ApiGateway",
      metricName: "Latency",
      dimensions: { ApiName: "service-a", Stage: "v1" },
      extendedStatistic: "p99",
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 2500,
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
  });

  it("takes the stage's own thresholds", () => {
    assert.equal(alarm("tuned-api-5xx").inputs.threshold, 0.01);
    assert.equal(alarm("tuned-api-latency").inputs.threshold, 800);
    assert.match(alarm("tuned-api-5xx").inputs.alarmDescription as string, /^More than 1% /);
  });

  it("pages on any failed or timed-out execution of the workflow pipe", () => {
    assert.deepEqual(alarm("path-workflow-pipe").inputs, {
      alarmDescription:
        "Executions of EventBridge pipe requests-pipe-1a2b3c4 failed or timed out: requests are not starting workflows. Runbook: docs/runbooks/WorkflowPipeFailures.md",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: 1,
      metricQueries: [
        {
          id: "m0",
          metric: {
            namespace: "AWS/EventBridge/Pipes",
            metricName: "ExecutionFailed",
            dimensions: { PipeName: "requests-pipe-1a2b3c4" },
            stat: "Sum",
            period: 300,
          },
          returnData: false,
        },
        {
          id: "m1",
          metric: {
            namespace: "AWS/EventBridge/Pipes",
            metricName: "ExecutionTimeout",
            dimensions: { PipeName: "requests-pipe-1a2b3c4" },
            stat: "Sum",
            period: 300,
          },
          returnData: false,
        },
        {
          id: "failed",
          expression: "FILL(m0, 0) + FILL(m1, 0)",
          label: "Pipe executions that failed or timed out",
          returnData: true,
        },
      ],
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
  });

  it("creates no pipe alarm without a pipe (the Argo engine)", () => {
    const tuned = ofType(capture, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) =>
      a.name.startsWith("tuned-"),
    );
    assert.deepEqual(tuned.map((a) => a.name).sort(), ["tuned-api-5xx", "tuned-api-latency"]);
  });

  it("rejects thresholds outside their range, naming each, before registering anything", async () => {
    const bad = {
      topicArn: TOPIC,
      api: { apiName: "a", stageName: "v1", serverErrorRatio: 5, latencyP99Ms: 30_000 },
    };
    assert.deepEqual(
      validateRequestPathAlarmsArgs(bad).map((e) => [e.propertyPath, e.reason]),
      [
        [
          "api.serverErrorRatio",
          "must be above 0 and below 1 (a share of requests, e.g. 0.05), got 5",
        ],
        [
          "api.latencyP99Ms",
          "must be above 0 and below API Gateway's 29000 ms integration timeout, got 30000",
        ],
      ],
    );
    const before = capture.resources.size;
    assert.throws(
      () => new RequestPathAlarms("bad", bad),
      /RequestPathAlarms: 2 invalid arguments/,
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});

describe("countsSumQueries", () => {
  it("sums every count, a missing period as 0, and returns only the sum", () => {
    const queries = countsSumQueries("AWS/States", ["A", "B", "C"], { Arn: "x" }, 60, "Bad runs");
    assert.deepEqual(
      queries.map((q) => [q.id, q.returnData, q.expression]),
      [
        ["m0", false, undefined],
        ["m1", false, undefined],
        ["m2", false, undefined],
        ["failed", true, "FILL(m0, 0) + FILL(m1, 0) + FILL(m2, 0)"],
      ],
    );
    assert.deepEqual(queries[2].metric, {
      namespace: "AWS/States",
      metricName: "C",
      dimensions: { Arn: "x" },
      stat: "Sum",
      period: 60,
    });
    assert.equal(queries[3].label, "Bad runs");
  });
});

describe("alertsKeyStatements", () => {
  it("lets CloudWatch encrypt for this account and SNS use the key only through SNS", async () => {
    const statements = await new Promise<unknown>((resolve) =>
      pulumi
        .jsonStringify(alertsKeyStatements(TEST_REGION, MOCK_ACCOUNT_ID, "aws"))
        .apply((text) => resolve(JSON.parse(text))),
    );
    assert.deepEqual(statements, [
      {
        Sid: "CloudWatchAlarmsEncryptNotifications",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } },
      },
      {
        Sid: "SnsUseInThisAccount",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT_ID}:root` },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: {
          StringEquals: {
            "kms:ViaService": `sns.${TEST_REGION}.amazonaws.com`,
            "kms:CallerAccount": MOCK_ACCOUNT_ID,
          },
        },
      },
    ]);
  });
});
