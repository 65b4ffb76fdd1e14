import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { stringify } from "yaml";
import { validateCustomResource } from "../../tools/checks/crdSchemas";
import { promtoolTestRules, runTool } from "../../tools/checks/promtool";
import type { Capture } from "../../tools/mocks";
import { mockPlatform, ofType } from "../../tools/testing";
import {
  AlertRules,
  type AlertRule,
  type AlertThresholdOverrides,
  type AlertThresholds,
  DEFAULT_ALERT_THRESHOLDS,
  prometheusRuleManifest,
  renderRuleGroups,
  RULE_GROUP_NAMES,
  ruleFileYaml,
  type RuleGroup,
  RUNBOOK_BASE_URL,
  validateAlertThresholds,
  withAlertThresholdOverrides,
} from "./alertRules";

/**
 * The alerting posture these tests hold the rules to, written out rather than read from
 * DEFAULT_ALERT_THRESHOLDS: the promtool series below are built from it, so a change to a default
 * (a halved threshold, a shorter `for:`) makes a firing or a quiet case fail until this file is
 * changed with it, in the same reviewed diff.
 */
const T: AlertThresholds = {
  mesh: {
    availabilityObjective: 0.999,
    latencyObjective: 0.99,
    latencyThresholdMs: 500,
    burnRateFactor: 14.4,
    longWindow: "1h",
    shortWindow: "5m",
    for: "2m",
    slowBurnRateFactor: 6,
    slowLongWindow: "6h",
    slowShortWindow: "30m",
    slowFor: "15m",
  },
  sqs: {
    oldestMessageAgeSeconds: 900,
    oldestMessageFor: "10m",
    deadLetterQueueRegex: ".+-dlq-[0-9a-f]{7}(\\.fifo)?",
    deadLetterMessages: 0,
    deadLetterFor: "5m",
  },
  kafka: {
    consumerLagMessages: 10_000,
    for: "15m",
    underReplicatedFor: "15m",
    offlinePartitionsFor: "5m",
    noActiveControllerFor: "5m",
  },
  workflows: { failedWorkflows: 0, window: "15m", for: "1m" },
  certificates: {
    issuerNamespace: "linkerd",
    issuerCertificate: "linkerd-identity-issuer",
    issuerMinRemainingHours: 20,
    issuerFor: "15m",
    trustAnchorMinRemainingHours: 1440,
    trustAnchorFor: "1h",
    notReadyFor: "15m",
    renewalOverdueFor: "1h",
  },
  elasticsearch: { notGreenFor: "15m", healthUnknownFor: "15m" },
  logShipping: { stalledFor: "10m", pausedFor: "10m", lossFor: "1m", logstashFor: "5m" },
  events: { failuresFor: "10m" },
  autoscaling: { errorsFor: "10m", unavailableFor: "10m" },
  monitoring: {
    targetsDownPercent: 10,
    targetsDownFor: "15m",
    prometheusNotificationErrorPercent: 3,
    alertmanagerNotificationErrorPercent: 1,
    notificationsFor: "15m",
  },
};
/** A fixed anchor date for tests; the anchor cases pass their own. */
const OPTS = { trustAnchorNotAfterSeconds: 2_000_000_000 };
const RUNBOOKS = path.resolve(__dirname, "../../docs/runbooks");

type Series = { series: string; values: string };

/** One alert's promtool cases: series that fire, and series just below the threshold. */
interface AlertCase {
  firing: Series[];
  quiet: Series[];
  /** Labels the alert carries besides `severity`. */
  labels: Record<string, string>;
  /** First evaluation (minutes) at which the condition holds (1 for rate/increase). */
  start: number;
  /** Overrides the trust anchor date (its series is `time()`, not an input). */
  anchorNotAfter?: { firing: number; quiet: number };
}

const N = 120; // samples, one a minute
const counter = (labels: string, perMinute: number): Series => ({
  series: labels,
  values: `0+${perMinute}x${N}`,
});
const gauge = (labels: string, value: number): Series => ({
  series: labels,
  values: `${value}x${N}`,
});

const errorBudget = T.mesh.burnRateFactor * (1 - T.mesh.availabilityObjective);
const latencyBudget = T.mesh.burnRateFactor * (1 - T.mesh.latencyObjective);
const slowErrorBudget = T.mesh.slowBurnRateFactor * (1 - T.mesh.availabilityObjective);
const slowLatencyBudget = T.mesh.slowBurnRateFactor * (1 - T.mesh.latencyObjective);
const svc = 'namespace="shop", deployment="api", direction="inbound"';
const meshErrors = (ratio: number): Series[] => [
  counter(`response_total{${svc}, classification="failure"}`, 1000 * ratio),
  counter(`response_total{${svc}, classification="success"}`, 1000 * (1 - ratio)),
];
const meshLatency = (slow: number): Series[] => [
  counter(
    `response_latency_ms_bucket{${svc}, le="${T.mesh.latencyThresholdMs}"}`,
    1000 * (1 - slow),
  ),
  counter(`response_latency_ms_bucket{${svc}, le="+Inf"}`, 1000),
  counter(`response_latency_ms_count{${svc}}`, 1000),
];
const fluentBit = 'namespace="logging", pod="fluent-bit-x7k2p"';
const logstash = 'namespace="logging", pod="logs-ls-0"';
const logstashOutput = (metric: string) =>
  `logstash_stats_pipeline_plugin_${metric}{${logstash}, pipeline="containers", plugin_type="output", plugin="elasticsearch", plugin_id="elasticsearch"}`;
const queue = 'dimension_QueueName="orders-1a2b3c4"';
const dlq = 'dimension_QueueName="orders-dlq-1a2b3c4"';
const targets = (down: number, total: number): Series[] =>
  Array.from({ length: total }, (_, i) =>
    gauge(`up{namespace="shop", job="api", instance="10.0.0.${i}:8080"}`, i < down ? 0 : 1),
  );
const quietTargets = Math.round(100 / (0.7 * T.monitoring.targetsDownPercent));
const promNotify = (percent: number): Series[] => [
  counter(
    `prometheus_notifications_errors_total{pod="prometheus-0", alertmanager="http://am:9093"}`,
    percent,
  ),
  counter(
    `prometheus_notifications_sent_total{pod="prometheus-0", alertmanager="http://am:9093"}`,
    100,
  ),
];
const amNotify = (percent: number): Series[] => [
  counter(`alertmanager_notifications_failed_total{integration="slack"}`, percent),
  counter(`alertmanager_notifications_total{integration="slack"}`, 100),
];
const broker = (id: number) => `job="msk-jmx-exporter", instance="b-${id}.msk.example"`;
const msk = 'dimension_Cluster_Name="platform-msk"';
const sensor = 'namespace="workflows", sensor_name="requests", trigger_name="submit"';
const eventSource = 'namespace="workflows", eventsource_name="requests", event_name="queue"';
const cert = 'namespace="api", name="ingress-tls"';
const issuer = `certmanager_certificate_expiration_timestamp_seconds{namespace="${T.certificates.issuerNamespace}", name="${T.certificates.issuerCertificate}"}`;
const issuerMin = T.certificates.issuerMinRemainingHours * 3600;
const anchorMin = T.certificates.trustAnchorMinRemainingHours * 3600;

/**
 * Firing cases sit between half the threshold and the threshold for `<` alerts, quiet cases
 * between half the threshold and the threshold for `>` alerts, so halving a threshold breaks one.
 */
const CASES: Record<string, AlertCase> = {
  MeshServiceErrorBudgetBurn: {
    firing: meshErrors(2 * errorBudget),
    quiet: meshErrors(0.7 * errorBudget),
    labels: { namespace: "shop", deployment: "api" },
    start: 1,
  },
  MeshServiceLatencyBudgetBurn: {
    firing: meshLatency(2 * latencyBudget),
    quiet: meshLatency(0.7 * latencyBudget),
    labels: { namespace: "shop", deployment: "api" },
    start: 1,
  },
  // Firing below the fast pair's limit: the leak only the slow pair sees.
  MeshServiceErrorBudgetSlowBurn: {
    firing: meshErrors(2 * slowErrorBudget),
    quiet: meshErrors(0.7 * slowErrorBudget),
    labels: { namespace: "shop", deployment: "api" },
    start: 1,
  },
  MeshServiceLatencyBudgetSlowBurn: {
    firing: meshLatency(2 * slowLatencyBudget),
    quiet: meshLatency(0.7 * slowLatencyBudget),
    labels: { namespace: "shop", deployment: "api" },
    start: 1,
  },
  SqsOldestMessageTooOld: {
    firing: [
      gauge(
        `aws_sqs_approximate_age_of_oldest_message_maximum{${queue}}`,
        1.5 * T.sqs.oldestMessageAgeSeconds,
      ),
      // An old message in a DLQ is the DLQ alert's business, not this one's.
      gauge(
        `aws_sqs_approximate_age_of_oldest_message_maximum{${dlq}}`,
        10 * T.sqs.oldestMessageAgeSeconds,
      ),
    ],
    quiet: [
      gauge(
        `aws_sqs_approximate_age_of_oldest_message_maximum{${queue}}`,
        0.7 * T.sqs.oldestMessageAgeSeconds,
      ),
    ],
    labels: { dimension_QueueName: "orders-1a2b3c4" },
    start: 0,
  },
  SqsDeadLetterQueueNotEmpty: {
    firing: [
      gauge(
        `aws_sqs_approximate_number_of_messages_visible_maximum{${dlq}}`,
        T.sqs.deadLetterMessages + 1,
      ),
      gauge(`aws_sqs_approximate_number_of_messages_visible_maximum{${queue}}`, 1000),
    ],
    quiet: [
      gauge(
        `aws_sqs_approximate_number_of_messages_visible_maximum{${dlq}}`,
        T.sqs.deadLetterMessages,
      ),
    ],
    labels: { dimension_QueueName: "orders-dlq-1a2b3c4" },
    start: 0,
  },
  KafkaConsumerLagHigh: {
    firing: [
      gauge(
        `aws_kafka_sum_offset_lag_maximum{dimension_Consumer_Group="billing", dimension_Topic="orders"}`,
        2 * T.kafka.consumerLagMessages,
      ),
    ],
    quiet: [
      gauge(
        `aws_kafka_sum_offset_lag_maximum{dimension_Consumer_Group="billing", dimension_Topic="orders"}`,
        0.7 * T.kafka.consumerLagMessages,
      ),
    ],
    labels: { dimension_Consumer_Group: "billing", dimension_Topic: "orders" },
    start: 0,
  },
  // Per broker: a healthy broker beside the lagging one stays out of the alert.
  KafkaUnderReplicatedPartitions: {
    firing: [
      gauge(`kafka_server_ReplicaManager_Value{${broker(1)}, name="UnderReplicatedPartitions"}`, 3),
      gauge(`kafka_server_ReplicaManager_Value{${broker(2)}, name="UnderReplicatedPartitions"}`, 0),
      // Another ReplicaManager gauge, not under-replication.
      gauge(`kafka_server_ReplicaManager_Value{${broker(1)}, name="LeaderCount"}`, 40),
    ],
    quiet: [
      gauge(`kafka_server_ReplicaManager_Value{${broker(1)}, name="UnderReplicatedPartitions"}`, 0),
      gauge(`kafka_server_ReplicaManager_Value{${broker(1)}, name="LeaderCount"}`, 40),
    ],
    labels: { instance: "b-1.msk.example" },
    start: 0,
  },
  KafkaOfflinePartitions: {
    firing: [gauge(`aws_kafka_offline_partitions_count_maximum{${msk}}`, 1)],
    quiet: [gauge(`aws_kafka_offline_partitions_count_maximum{${msk}}`, 0)],
    labels: { dimension_Cluster_Name: "platform-msk" },
    start: 0,
  },
  KafkaNoActiveController: {
    firing: [gauge(`aws_kafka_active_controller_count_maximum{${msk}}`, 0)],
    quiet: [gauge(`aws_kafka_active_controller_count_maximum{${msk}}`, 1)],
    labels: { dimension_Cluster_Name: "platform-msk" },
    start: 0,
  },
  ArgoEventsTriggerFailing: {
    firing: [
      counter(`argo_events_action_failed_total{${sensor}}`, 1),
      counter(`argo_events_action_triggered_total{${sensor}}`, 10),
    ],
    quiet: [
      counter(`argo_events_action_failed_total{${sensor}}`, 0),
      counter(`argo_events_action_triggered_total{${sensor}}`, 10),
    ],
    labels: { namespace: "workflows", sensor_name: "requests", trigger_name: "submit" },
    start: 1,
  },
  ArgoEventsEventSourceFailing: {
    firing: [counter(`argo_events_events_processing_failed_total{${eventSource}}`, 1)],
    quiet: [
      counter(`argo_events_events_processing_failed_total{${eventSource}}`, 0),
      counter(`argo_events_events_sent_total{${eventSource}}`, 10),
    ],
    labels: { namespace: "workflows", eventsource_name: "requests", event_name: "queue" },
    start: 1,
  },
  CertManagerCertificateNotReady: {
    firing: [
      gauge(`certmanager_certificate_ready_status{${cert}, condition="True"}`, 0),
      gauge(`certmanager_certificate_ready_status{${cert}, condition="False"}`, 1),
      gauge(`certmanager_certificate_ready_status{${cert}, condition="Unknown"}`, 0),
    ],
    quiet: [
      gauge(`certmanager_certificate_ready_status{${cert}, condition="True"}`, 1),
      gauge(`certmanager_certificate_ready_status{${cert}, condition="False"}`, 0),
      gauge(`certmanager_certificate_ready_status{${cert}, condition="Unknown"}`, 0),
    ],
    labels: { namespace: "api", name: "ingress-tls" },
    start: 0,
  },
  // The renewal time is the epoch: past from the first minute on (time() is 0 at 0m).
  CertManagerCertificateRenewalOverdue: {
    firing: [gauge(`certmanager_certificate_renewal_timestamp_seconds{${cert}}`, 0)],
    quiet: [gauge(`certmanager_certificate_renewal_timestamp_seconds{${cert}}`, 30 * 86400)],
    labels: { namespace: "api", name: "ingress-tls" },
    start: 1,
  },
  ArgoWorkflowsFailed: {
    firing: [
      counter(
        `argo_workflows_total_count{namespace="jobs", phase="Failed"}`,
        T.workflows.failedWorkflows + 1,
      ),
    ],
    quiet: [
      counter(`argo_workflows_total_count{namespace="jobs", phase="Failed"}`, 0),
      counter(`argo_workflows_total_count{namespace="jobs", phase="Succeeded"}`, 5),
    ],
    labels: { namespace: "jobs" },
    start: 1,
  },
  LinkerdIdentityIssuerExpiringSoon: {
    firing: [gauge(issuer, 0.75 * issuerMin)],
    quiet: [gauge(issuer, 2 * issuerMin)],
    labels: { namespace: T.certificates.issuerNamespace, name: T.certificates.issuerCertificate },
    start: 0,
  },
  LinkerdTrustAnchorExpiringSoon: {
    firing: [],
    quiet: [],
    labels: {},
    start: 0,
    anchorNotAfter: { firing: 0.75 * anchorMin, quiet: 2 * anchorMin },
  },
  ElasticsearchClusterNotGreen: {
    firing: [
      gauge(`elasticsearch_cluster_health_status{cluster="logs", color="green"}`, 0),
      gauge(`elasticsearch_cluster_health_status{cluster="logs", color="yellow"}`, 1),
    ],
    quiet: [
      gauge(`elasticsearch_cluster_health_status{cluster="logs", color="green"}`, 1),
      gauge(`elasticsearch_cluster_health_status{cluster="logs", color="yellow"}`, 0),
    ],
    labels: { cluster: "logs" },
    start: 0,
  },
  ElasticsearchHealthUnknown: {
    // The exporter's other series are there; the health series is not.
    firing: [gauge(`elasticsearch_exporter_build_info{version="v1.11.0"}`, 1)],
    quiet: [gauge(`elasticsearch_cluster_health_status{cluster="logs", color="green"}`, 0)],
    labels: { color: "green" },
    start: 0,
  },
  // Retrying and delivering nothing; retrying while delivering is a blip, not a stall.
  FluentBitOutputStalled: {
    firing: [
      counter(`fluentbit_output_retries_total{${fluentBit}, name="logstash"}`, 5),
      counter(`fluentbit_output_proc_records_total{${fluentBit}, name="logstash"}`, 0),
    ],
    quiet: [
      counter(`fluentbit_output_retries_total{${fluentBit}, name="logstash"}`, 5),
      counter(`fluentbit_output_proc_records_total{${fluentBit}, name="logstash"}`, 100),
    ],
    labels: { namespace: "logging", pod: "fluent-bit-x7k2p", name: "logstash" },
    start: 1,
  },
  FluentBitIngestionPaused: {
    firing: [gauge(`fluentbit_input_ingestion_paused{${fluentBit}, name="containers"}`, 1)],
    quiet: [gauge(`fluentbit_input_ingestion_paused{${fluentBit}, name="containers"}`, 0)],
    labels: { namespace: "logging", pod: "fluent-bit-x7k2p", name: "containers" },
    start: 0,
  },
  FluentBitRecordsDropped: {
    firing: [counter(`fluentbit_output_dropped_records_total{${fluentBit}, name="logstash"}`, 3)],
    quiet: [counter(`fluentbit_output_dropped_records_total{${fluentBit}, name="logstash"}`, 0)],
    labels: { namespace: "logging", pod: "fluent-bit-x7k2p", name: "logstash" },
    start: 1,
  },
  LogstashDown: {
    firing: [gauge(`logstash_info_up{${logstash}}`, 0)],
    quiet: [gauge(`logstash_info_up{${logstash}}`, 1)],
    labels: { namespace: "logging", pod: "logs-ls-0" },
    start: 0,
  },
  LogstashPipelineReloadFailed: {
    firing: [gauge(`logstash_stats_pipeline_up{${logstash}, pipeline="containers"}`, 0)],
    quiet: [gauge(`logstash_stats_pipeline_up{${logstash}, pipeline="containers"}`, 1)],
    labels: { namespace: "logging", pod: "logs-ls-0", pipeline: "containers" },
    start: 0,
  },
  LogstashDocumentsRejected: {
    firing: [counter(logstashOutput("documents_non_retryable_failures"), 2)],
    quiet: [counter(logstashOutput("documents_non_retryable_failures"), 0)],
    labels: {
      namespace: "logging",
      pod: "logs-ls-0",
      pipeline: "containers",
      plugin_id: "elasticsearch",
    },
    start: 1,
  },
  KedaScalerErrors: {
    firing: [
      counter(
        `keda_scaler_detail_errors_total{namespace="shop", scaledObject="worker", scaler="awsSqsQueueScaler", metric="s0-aws-sqs-queue", triggerIndex="0", type="scaledobject"}`,
        1,
      ),
    ],
    quiet: [
      counter(
        `keda_scaler_detail_errors_total{namespace="shop", scaledObject="worker", scaler="awsSqsQueueScaler", metric="s0-aws-sqs-queue", triggerIndex="0", type="scaledobject"}`,
        0,
      ),
    ],
    labels: { namespace: "shop", scaledObject: "worker", scaler: "awsSqsQueueScaler" },
    start: 1,
  },
  KedaScaledObjectErrors: {
    firing: [
      counter(`keda_scaled_object_errors_total{namespace="shop", scaledObject="worker"}`, 1),
    ],
    quiet: [counter(`keda_scaled_object_errors_total{namespace="shop", scaledObject="worker"}`, 0)],
    labels: { namespace: "shop", scaledObject: "worker" },
    start: 1,
  },
  // Down or never scraped alike: no `up == 1` of the container.
  KedaOperatorDown: {
    firing: [
      gauge(`up{namespace="keda", container="keda-operator", pod="keda-operator-0"}`, 0),
      gauge(`up{namespace="keda", container="keda-admission-webhooks", pod="w-0"}`, 1),
    ],
    quiet: [
      gauge(`up{namespace="keda", container="keda-operator", pod="keda-operator-0"}`, 0),
      gauge(`up{namespace="keda", container="keda-operator", pod="keda-operator-1"}`, 1),
    ],
    labels: { namespace: "keda" },
    start: 0,
  },
  KedaMetricsApiServerDown: {
    firing: [gauge(`up{namespace="keda", container="keda-operator", pod="keda-operator-0"}`, 1)],
    quiet: [
      gauge(
        `up{namespace="keda", container="keda-operator-metrics-apiserver", pod="keda-operator-metrics-apiserver-0"}`,
        1,
      ),
    ],
    labels: { namespace: "keda" },
    start: 0,
  },
  PrometheusTargetsDown: {
    firing: targets(1, 2),
    quiet: targets(1, quietTargets),
    labels: { namespace: "shop", job: "api" },
    start: 0,
  },
  PrometheusNotificationsFailing: {
    firing: promNotify(4 * T.monitoring.prometheusNotificationErrorPercent),
    quiet: promNotify(0.7 * T.monitoring.prometheusNotificationErrorPercent),
    labels: { pod: "prometheus-0" },
    start: 1,
  },
  AlertmanagerNotificationsFailing: {
    firing: amNotify(4 * T.monitoring.alertmanagerNotificationErrorPercent),
    quiet: amNotify(0.7 * T.monitoring.alertmanagerNotificationErrorPercent),
    labels: { integration: "slack" },
    start: 1,
  },
};

const minutes = (d: string): number => {
  const n = parseFloat(d);
  return d.endsWith("h") ? n * 60 : d.endsWith("d") ? n * 1440 : d.endsWith("s") ? n / 60 : n;
};
const expand = (text: string, labels: Record<string, string>) =>
  text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, k: string) => labels[k] ?? "");

function allRules(groups: RuleGroup[]): AlertRule[] {
  return groups.flatMap((g) => g.rules);
}

/**
 * Writes the rule files and one promtool test file per alert into `dir`; returns the test files.
 * Rules come from `thresholds` (the shipped defaults unless a test mutates them); series, timing
 * and expected labels from the posture `T`, so a rule that drifts from it fails.
 */
function writePromtoolTests(
  dir: string,
  thresholds: AlertThresholds = DEFAULT_ALERT_THRESHOLDS,
  mutate?: (r: AlertRule) => void,
  only?: string,
): string[] {
  const files: string[] = [];
  for (const [alert, c] of Object.entries(CASES)) {
    if (only !== undefined && alert !== only) continue;
    const variants = c.anchorNotAfter
      ? { firing: c.anchorNotAfter.firing, quiet: c.anchorNotAfter.quiet }
      : { firing: OPTS.trustAnchorNotAfterSeconds, quiet: OPTS.trustAnchorNotAfterSeconds };
    // Timing comes from the defaults; annotations from the rules under test, so a mutation is
    // caught by when the alert fires, not by its changed wording.
    const expected = allRules(renderRuleGroups(thresholds, OPTS)).find((r) => r.alert === alert)!;
    const forMin = minutes(allRules(renderRuleGroups(T, OPTS)).find((r) => r.alert === alert)!.for);
    const labels = { ...c.labels, severity: expected.labels.severity };
    const pendingAt = c.start + forMin - 1;
    const firingAt = c.start + forMin + 1;
    const tests = [];
    for (const kind of ["firing", "quiet"] as const) {
      const groups = renderRuleGroups(thresholds, { trustAnchorNotAfterSeconds: variants[kind] });
      if (mutate)
        allRules(groups)
          .filter((r) => r.alert === alert)
          .forEach(mutate);
      const rulesFile = `${alert}.${kind}.rules.yaml`;
      fs.writeFileSync(path.join(dir, rulesFile), ruleFileYaml(groups));
      const exp =
        kind === "firing"
          ? [
              {
                exp_labels: labels,
                exp_annotations: {
                  summary: expand(expected.annotations.summary, labels),
                  description: expand(expected.annotations.description, labels),
                  runbook_url: expected.annotations.runbook_url,
                },
              },
            ]
          : [];
      const file = path.join(dir, `${alert}.${kind}.test.yaml`);
      tests.push(file);
      fs.writeFileSync(
        file,
        stringify(
          {
            rule_files: [rulesFile],
            evaluation_interval: "1m",
            tests: [
              {
                name: `${alert} ${kind}`,
                interval: "1m",
                input_series: c[kind],
                alert_rule_test: [
                  // Too short for its for: pending, not firing.
                  { eval_time: `${pendingAt}m`, alertname: alert, exp_alerts: [] },
                  { eval_time: `${firingAt}m`, alertname: alert, exp_alerts: exp },
                  { eval_time: `${firingAt + 30}m`, alertname: alert, exp_alerts: exp },
                ],
              },
            ],
          },
          { lineWidth: 0 },
        ),
      );
    }
    files.push(...tests);
  }
  return files;
}

describe("alert rules", () => {
  const groups = renderRuleGroups(DEFAULT_ALERT_THRESHOLDS, OPTS);
  const rules = allRules(groups);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-rules-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("has the required alerts, each PascalCase with severity, summary, description, runbook", () => {
    assert.deepEqual(rules.map((r) => r.alert).sort(), Object.keys(CASES).sort());
    for (const r of rules) {
      assert.match(r.alert, /^[A-Z][a-zA-Z]+$/);
      assert.ok(["critical", "warning"].includes(r.labels.severity), r.alert);
      assert.ok(r.annotations.summary && r.annotations.description, r.alert);
      assert.equal(r.annotations.runbook_url, `${RUNBOOK_BASE_URL}/${r.alert}.md`);
      assert.ok(fs.existsSync(path.join(RUNBOOKS, `${r.alert}.md`)), `missing runbook ${r.alert}`);
    }
    assert.deepEqual(
      groups.map((g) => g.name),
      [...RULE_GROUP_NAMES],
    );
  });

  it("interpolates the thresholds: changing one changes the expression", () => {
    const changed = renderRuleGroups(
      { ...T, kafka: { ...T.kafka, consumerLagMessages: 123_456 } },
      OPTS,
    );
    const kafka = allRules(changed).find((r) => r.alert === "KafkaConsumerLagHigh")!;
    assert.match(kafka.expr, /> 123456$/);
  });

  it("rejects invalid thresholds, naming every bad field", () => {
    assert.throws(
      () =>
        renderRuleGroups(
          { ...T, mesh: { ...T.mesh, availabilityObjective: 99.9, for: "2 minutes" as "2m" } },
          OPTS,
        ),
      /mesh\.availabilityObjective[\s\S]*mesh\.for/,
    );
  });

  it("passes promtool check rules", () => {
    const file = path.join(dir, "prometheus-rules.yaml");
    fs.writeFileSync(file, ruleFileYaml(groups));
    const r = runTool("promtool", ["check", "rules", file]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  it("passes promtool test rules: every alert fires on time and stays quiet below threshold", () => {
    const files = writePromtoolTests(dir);
    assert.equal(files.length, 2 * rules.length);
    const r = runTool("promtool", ["test", "rules", ...files.map((f) => path.basename(f))], dir);
    assert.equal(r.code, 0, r.output);
  });

  it("fails promtool test rules when any alert loses its for:", () => {
    // One directory per mutated alert, all run by one promtool process.
    const byAlert = Object.keys(CASES).map((alert) => {
      const sub = fs.mkdtempSync(path.join(dir, "no-for-"));
      const files = writePromtoolTests(sub, T, (r) => delete (r as Partial<AlertRule>).for, alert);
      return { alert, files: files.map((f) => path.relative(dir, f)) };
    });
    const outcomes = promtoolTestRules(
      byAlert.flatMap((a) => a.files),
      dir,
    );
    for (const { alert, files } of byAlert) {
      const failed = files.map((f) => outcomes.get(f)!).filter((o) => !o.passed);
      assert.ok(failed.length > 0, `${alert}: removing for: went unnoticed`);
      assert.match(failed.map((o) => o.output).join("\n"), new RegExp(`alertname: ${alert}`));
    }
  });

  it("fails promtool test rules when a threshold is halved", () => {
    /** The posture with one numeric threshold halved. */
    const halve = <G extends keyof AlertThresholds>(
      group: G,
      key: keyof AlertThresholds[G],
    ): AlertThresholds => ({
      ...T,
      [group]: { ...T[group], [key]: (T[group][key] as number) / 2 },
    });
    const halved: Array<[string, AlertThresholds]> = [
      ["MeshServiceErrorBudgetBurn", halve("mesh", "burnRateFactor")],
      ["MeshServiceLatencyBudgetBurn", halve("mesh", "burnRateFactor")],
      ["MeshServiceErrorBudgetSlowBurn", halve("mesh", "slowBurnRateFactor")],
      ["MeshServiceLatencyBudgetSlowBurn", halve("mesh", "slowBurnRateFactor")],
      ["SqsOldestMessageTooOld", halve("sqs", "oldestMessageAgeSeconds")],
      ["KafkaConsumerLagHigh", halve("kafka", "consumerLagMessages")],
      ["LinkerdIdentityIssuerExpiringSoon", halve("certificates", "issuerMinRemainingHours")],
      ["LinkerdTrustAnchorExpiringSoon", halve("certificates", "trustAnchorMinRemainingHours")],
      ["PrometheusTargetsDown", halve("monitoring", "targetsDownPercent")],
      ["PrometheusNotificationsFailing", halve("monitoring", "prometheusNotificationErrorPercent")],
      [
        "AlertmanagerNotificationsFailing",
        halve("monitoring", "alertmanagerNotificationErrorPercent"),
      ],
    ];
    const byAlert = halved.map(([alert, thresholds]) => {
      const sub = fs.mkdtempSync(path.join(dir, "halved-"));
      const files = writePromtoolTests(sub, thresholds, undefined, alert);
      return { alert, files: files.map((f) => path.relative(dir, f)) };
    });
    const outcomes = promtoolTestRules(
      byAlert.flatMap((a) => a.files),
      dir,
    );
    for (const { alert, files } of byAlert) {
      const failed = files.map((f) => outcomes.get(f)!).filter((o) => !o.passed);
      assert.ok(failed.length > 0, `${alert}: halving its threshold went unnoticed`);
      assert.match(failed.map((o) => o.output).join("\n"), new RegExp(`alertname: ${alert}`));
    }
  });

  it("renders every group as a PrometheusRule that validates against the CRD schema", () => {
    for (const g of groups) {
      assert.deepEqual(validateCustomResource(prometheusRuleManifest(g, "monitoring", "kps")), []);
    }
  });
});

describe("alert threshold overrides", () => {
  const sqsAlert = (t: AlertThresholds) =>
    allRules(renderRuleGroups(t, OPTS)).find((r) => r.alert === "SqsOldestMessageTooOld")!;

  it("keeps the written-out posture as the default", () => {
    assert.deepEqual(DEFAULT_ALERT_THRESHOLDS, T);
    assert.deepEqual(withAlertThresholdOverrides({}), T);
  });

  it("changes only the field an override sets, and the expression with it", () => {
    const before = structuredClone(DEFAULT_ALERT_THRESHOLDS);
    const merged = withAlertThresholdOverrides({ sqs: { oldestMessageAgeSeconds: 3600 } });
    assert.deepEqual(merged, { ...T, sqs: { ...T.sqs, oldestMessageAgeSeconds: 3600 } });
    assert.deepEqual(DEFAULT_ALERT_THRESHOLDS, before, "the base is not mutated");
    assert.match(sqsAlert(T).expr, /\) > 900$/);
    assert.match(sqsAlert(merged).expr, /\) > 3600$/);
    assert.match(sqsAlert(merged).annotations.description, /older than 3600s/);
    const others = (t: AlertThresholds) =>
      allRules(renderRuleGroups(t, OPTS)).filter((r) => r.alert !== "SqsOldestMessageTooOld");
    assert.deepEqual(others(merged), others(T));
  });

  it("merges onto the base it is given, ignoring fields set to undefined", () => {
    const base = { ...T, kafka: { ...T.kafka, consumerLagMessages: 5 } };
    const merged = withAlertThresholdOverrides(
      { kafka: { for: "30m", consumerLagMessages: undefined } },
      base,
    );
    assert.deepEqual(merged.kafka, { ...T.kafka, consumerLagMessages: 5, for: "30m" });
  });

  it("rejects an override that names no threshold", () => {
    assert.throws(
      () =>
        withAlertThresholdOverrides({
          sqs: { oldestMessageAge: 60 },
          queues: {},
        } as unknown as AlertThresholdOverrides),
      /sqs\.oldestMessageAge: is not a threshold[\s\S]*queues: is not a threshold group/,
    );
  });

  it("rejects an invalid result, naming the field", () => {
    assert.throws(
      () => withAlertThresholdOverrides({ mesh: { latencyObjective: 1 } }),
      /withAlertThresholdOverrides: 1 invalid argument:\n {2}- mesh\.latencyObjective: must be in \(0, 1\)/,
    );
  });

  const conflicts: Array<[string, AlertThresholdOverrides, string, RegExp]> = [
    [
      "a short window as long as the long one",
      { mesh: { shortWindow: "1h" } },
      "mesh.shortWindow",
      /must be shorter than mesh\.longWindow \(1h\), got 1h:.*shorten shortWindow or lengthen longWindow/,
    ],
    [
      "a long window shorter than the short one",
      { mesh: { longWindow: "1m" } },
      "mesh.shortWindow",
      /must be shorter than mesh\.longWindow \(1m\), got 5m/,
    ],
    [
      "a slow short window longer than the slow long one",
      { mesh: { slowShortWindow: "1d" } },
      "mesh.slowShortWindow",
      /must be shorter than mesh\.slowLongWindow \(6h\), got 1d/,
    ],
    [
      "a slow burn rate equal to the fast one",
      { mesh: { slowBurnRateFactor: 14.4 } },
      "mesh.slowBurnRateFactor",
      /must be below mesh\.burnRateFactor \(14\.4\), got 14\.4.*lower slowBurnRateFactor or raise burnRateFactor/,
    ],
  ];
  for (const [title, overrides, field, reason] of conflicts) {
    it(`rejects ${title}, naming ${field}`, () => {
      const t = {
        ...T,
        mesh: { ...T.mesh, ...overrides.mesh },
      } as AlertThresholds;
      const errors = validateAlertThresholds(t, OPTS);
      assert.deepEqual(
        errors.map((e) => e.propertyPath),
        [field],
      );
      assert.match(errors[0].reason, reason);
      assert.throws(() => withAlertThresholdOverrides(overrides), new RegExp(`- ${field}: `));
      assert.throws(() => renderRuleGroups(t, OPTS), new RegExp(`- ${field}: `));
    });
  }
});

describe("AlertRules component", () => {
  let capture: Capture;

  before(async () => {
    capture = await mockPlatform();
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    new AlertRules("alerts", {
      provider,
      namespace: "monitoring",
      releaseName: "kube-prometheus-stack",
      trustAnchorNotAfterSeconds: OPTS.trustAnchorNotAfterSeconds,
    });
    await capture.settle();
  });

  it("creates one valid PrometheusRule per group, labelled for the release's ruleSelector", () => {
    const crs = ofType(capture, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    assert.deepEqual(
      crs.map((r) => r.name).sort(),
      RULE_GROUP_NAMES.map((g) => `alerts-${g}`).sort(),
    );
    for (const cr of crs) {
      const meta = cr.inputs.metadata as Record<string, unknown>;
      assert.equal(meta.namespace, "monitoring");
      assert.deepEqual(meta.labels, { release: "kube-prometheus-stack" });
      assert.deepEqual(validateCustomResource(cr.inputs), []);
      const spec = cr.inputs.spec as { groups: RuleGroup[] };
      assert.equal(`alerts-${spec.groups[0].name}`, cr.name);
      assert.ok(spec.groups[0].rules.length > 0);
    }
  });
});
