/**
 * The healthy-stack check's generator: the series a freshly deployed, healthy stack exposes on EKS,
 * derived from the stack's graph (scrape jobs, queues, certificates, Elasticsearch clusters) and a
 * table of healthy values per metric, written as a `promtool test rules` file that expects no
 * alert of any severity at each evaluation time.
 *
 * Only the project's own rules (the `acme-*` PrometheusRules and the services' SLO rules) are evaluated here; the chart's
 * default rules are reviewed in `chartDefaultRules.ts` instead (their text is not in the catalog).
 * Run with `--stack <name> --out <file>`, this module runs the program under mocks once and writes
 * the stack's rule file and facts as JSON, so the test runs each stack in its own process.
 */
import { stringify } from "yaml";
import type { CheckedResource } from "../../tools/checks/graph";
import { revealSecrets } from "../../tools/stackExport";
import { KEDA_NAMESPACE, KEDA_POD_MONITOR, KEDA_WORKLOADS } from "../platform/keda";
import { KIT_HTTP_BUCKETS_SECONDS } from "../services/serviceObservability";
import { type RuleGroup } from "./alertRules";
import {
  FLUENT_BIT_INPUT_ALIAS,
  FLUENT_BIT_OUTPUT_ALIAS,
  LOGSTASH_ELASTICSEARCH_OUTPUT_ID,
  LOGSTASH_PIPELINE_ID,
} from "./logging";

/** What a stack's graph says a healthy deployment exposes. */
export interface HealthyStackFacts {
  /** Every scrape job the stack's own monitors and scrape configs define (`job` label of `up`). */
  jobs: string[];
  /** Every SQS queue's name (the `dimension_QueueName` YACE reports). */
  queues: string[];
  /** Every cert-manager Certificate, with its duration in seconds. */
  certificates: Array<{ namespace: string; name: string; durationSeconds: number }>;
  /** Every ECK Elasticsearch cluster's name (the exporter's `cluster` label). */
  elasticsearchClusters: string[];
  /** Every service of components/services (its `<name>-slo` PrometheusRule): the kit's metrics. */
  services: Array<{ namespace: string; name: string }>;
  /**
   * Targets whose `up` carries more than `job`: KEDA's workloads, one container each, scraped by
   * its PodMonitor (the KEDA alerts select them by namespace and container).
   */
  containerTargets: Array<{ job: string; namespace: string; container: string }>;
  /** Every KEDA ScaledObject (namespace and name). */
  scaledObjects: Array<{ namespace: string; name: string }>;
}

type Meta = { name?: string; namespace?: string } | undefined;
const metaOf = (r: CheckedResource): Meta => r.inputs?.metadata as Meta;

/** A Go duration as cert-manager writes it (`48h0m0s`), in seconds. */
export function goDurationSeconds(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new Error(`not a Go duration: "${text}" (expected e.g. 48h0m0s)`);
  }
  const unit = { h: 3600, m: 60, s: 1 } as const;
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
}

/**
 * Reads the facts from the captured graph. Scrape jobs follow prometheus-operator's defaults: a
 * PodMonitor's job is `<namespace>/<name>` and a ServiceMonitor's its `jobLabel` or its name
 * (the exporter's Service shares it here); `additionalScrapeConfigs` name theirs in `job_name`.
 * The chart's own monitors (apiserver, kubelet, node-exporter, ...) are not in the graph: the
 * rules over them are the chart's, reviewed in chartDefaultRules.ts.
 */
export function healthyStackFacts(resources: CheckedResource[]): HealthyStackFacts {
  const jobs = new Set<string>();
  const queues = new Set<string>();
  const certificates: HealthyStackFacts["certificates"] = [];
  const clusters = new Set<string>();
  const services: HealthyStackFacts["services"] = [];
  const containerTargets: HealthyStackFacts["containerTargets"] = [];
  const scaledObjects: HealthyStackFacts["scaledObjects"] = [];
  for (const r of resources) {
    const meta = metaOf(r);
    switch (r.type) {
      case "kubernetes:monitoring.coreos.com/v1:PodMonitor":
        jobs.add(`${meta?.namespace}/${meta?.name}`);
        if (meta?.name === KEDA_POD_MONITOR) {
          for (const w of KEDA_WORKLOADS) {
            containerTargets.push({
              job: `${meta.namespace}/${meta.name}`,
              namespace: KEDA_NAMESPACE,
              // The pods' `app` label is their container's name.
              container: w.app,
            });
          }
        }
        break;
      case "kubernetes:keda.sh/v1alpha1:ScaledObject":
        scaledObjects.push({ namespace: meta?.namespace as string, name: meta?.name as string });
        break;
      case "kubernetes:monitoring.coreos.com/v1:ServiceMonitor":
        jobs.add(((r.inputs.spec as { jobLabel?: string }).jobLabel ?? meta?.name) as string);
        break;
      case "kubernetes:helm.sh/v3:Release": {
        const values = revealSecrets(r.inputs.values) as {
          prometheus?: {
            prometheusSpec?: { additionalScrapeConfigs?: Array<{ job_name: string }> };
          };
        };
        for (const c of values?.prometheus?.prometheusSpec?.additionalScrapeConfigs ?? [])
          jobs.add(c.job_name);
        break;
      }
      case "aws:sqs/queue:Queue":
        queues.add(String(r.outputs?.name));
        break;
      case "kubernetes:cert-manager.io/v1:Certificate":
        certificates.push({
          namespace: meta?.namespace as string,
          name: meta?.name as string,
          durationSeconds: goDurationSeconds((r.inputs.spec as { duration: string }).duration),
        });
        break;
      case "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch":
        clusters.add(meta?.name as string);
        break;
      case "kubernetes:monitoring.coreos.com/v1:PrometheusRule":
        if (meta?.name?.endsWith("-slo") && !meta.name.startsWith("acme-")) {
          services.push({ namespace: meta.namespace as string, name: meta.name.slice(0, -4) });
        }
        break;
    }
  }
  return {
    jobs: [...jobs].sort(),
    queues: [...queues].sort(),
    certificates,
    elasticsearchClusters: [...clusters].sort(),
    services: services.sort((a, b) => a.name.localeCompare(b.name)),
    containerTargets,
    scaledObjects,
  };
}

/** One promtool input series. */
export interface InputSeries {
  series: string;
  values: string;
}

/** The scrape interval of the generated series, and how long they run. */
export const SERIES_INTERVAL = "1m";
/** Minutes of data: to the last evaluation time (6h), whose 6h windows are then full. */
const SERIES_MINUTES = 6 * 60 + 10;

const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(", ")}}`;
/** A constant gauge. */
const flat = (v: number) => `${v}x${SERIES_MINUTES}`;
/** A counter growing by `perMinute` each minute. */
const counter = (perMinute: number) => `0+${perMinute}x${SERIES_MINUTES}`;

/** A Fluent Bit and a Logstash pod the log path's series describe (the rules group by pod). */
const FLUENT_BIT_POD = { namespace: "logging", pod: "fluent-bit-x7k2p" };
const FLUENT_BIT_OUTPUT = labels({ ...FLUENT_BIT_POD, name: FLUENT_BIT_OUTPUT_ALIAS });
const LOGSTASH_POD = { namespace: "logging", pod: "logs-ls-0" };

/** A meshed workload the mesh series describe (any name: the mesh rules group by it). */
const MESH_WORKLOAD = { namespace: "orders", deployment: "orders-api" };

/**
 * Healthy values, per metric the project's rules read: every entry names a metric, and the test
 * fails when a rule reads a metric this table does not cover, so a new rule gets its healthy
 * series before it ships.
 */
export const HEALTHY_METRICS: Readonly<
  Record<string, { why: string; series: (f: HealthyStackFacts) => InputSeries[] }>
> = {
  up: {
    why: "every scrape job the stack configures answers",
    series: (f) => [
      ...f.jobs
        .filter((job) => !f.containerTargets.some((t) => t.job === job))
        .map((job) => ({ series: `up${labels({ job })}`, values: flat(1) })),
      ...f.containerTargets.map((t) => ({ series: `up${labels(t)}`, values: flat(1) })),
    ],
  },
  keda_scaler_detail_errors_total: {
    why: "KEDA: every ScaledObject's scaler reads its metric",
    series: (f) =>
      f.scaledObjects.map(({ namespace, name }) => ({
        series: `keda_scaler_detail_errors_total${labels({ namespace, scaledObject: name, scaler: "awsSqsQueueScaler", metric: "s0-aws-sqs-queue", triggerIndex: "0", type: "scaledobject" })}`,
        values: flat(0),
      })),
  },
  keda_scaled_object_errors_total: {
    why: "KEDA: no ScaledObject error",
    series: (f) =>
      f.scaledObjects.map(({ namespace, name }) => ({
        series: `keda_scaled_object_errors_total${labels({ namespace, scaledObject: name })}`,
        values: flat(0),
      })),
  },
  response_total: {
    why: "Linkerd proxies: 100% inbound success",
    series: () => [
      {
        series: `response_total${labels({ ...MESH_WORKLOAD, direction: "inbound", classification: "success" })}`,
        values: counter(600),
      },
      {
        series: `response_total${labels({ ...MESH_WORKLOAD, direction: "inbound", classification: "failure" })}`,
        values: flat(0),
      },
    ],
  },
  response_latency_ms_bucket: {
    why: "Linkerd proxies: every request under the latency SLO's bound",
    series: () =>
      ["100", "500", "1000", "+Inf"].map((le) => ({
        series: `response_latency_ms_bucket${labels({ ...MESH_WORKLOAD, direction: "inbound", le })}`,
        values: counter(600),
      })),
  },
  response_latency_ms_count: {
    why: "Linkerd proxies: the requests the buckets count",
    series: () => [
      {
        series: `response_latency_ms_count${labels({ ...MESH_WORKLOAD, direction: "inbound" })}`,
        values: counter(600),
      },
    ],
  },
  http_server_request_duration_seconds_count: {
    why: "services (the kit): every request answered 2xx",
    series: (f) =>
      f.services.map(({ namespace, name }) => ({
        series: `http_server_request_duration_seconds_count${labels({ namespace, service: name, method: "POST", route: "/v1/workflow-requests", status_code: "202" })}`,
        values: counter(600),
      })),
  },
  http_server_request_duration_seconds_bucket: {
    why: "services (the kit): every request within every latency bound",
    series: (f) =>
      f.services.flatMap(({ namespace, name }) =>
        [...KIT_HTTP_BUCKETS_SECONDS.map(String), "+Inf"].map((le) => ({
          series: `http_server_request_duration_seconds_bucket${labels({ namespace, service: name, method: "POST", route: "/v1/workflow-requests", status_code: "202", le })}`,
          values: counter(600),
        })),
      ),
  },
  circuit_breaker_state: {
    why: "services (the kit): every circuit breaker closed",
    series: (f) =>
      f.services.flatMap(({ namespace, name }) =>
        ["closed", "open", "half_open"].map((state) => ({
          series: `circuit_breaker_state${labels({ namespace, service: name, breaker: "dependency", state })}`,
          values: flat(state === "closed" ? 1 : 0),
        })),
      ),
  },
  messages_processed_total: {
    why: "services (the kit): every consumed message processed, none failed",
    series: (f) =>
      f.services.flatMap(({ namespace, name }) =>
        ["processed", "failed"].map((outcome) => ({
          series: `messages_processed_total${labels({ namespace, service: name, source: "queue", type: "com.acme.example.v1", outcome })}`,
          values: outcome === "processed" ? counter(60) : flat(0),
        })),
      ),
  },
  aws_sqs_approximate_age_of_oldest_message_maximum: {
    why: "YACE: every queue drained (no message waits)",
    series: (f) =>
      f.queues.map((q) => ({
        series: `aws_sqs_approximate_age_of_oldest_message_maximum${labels({ dimension_QueueName: q })}`,
        values: flat(0),
      })),
  },
  aws_sqs_approximate_number_of_messages_visible_maximum: {
    why: "YACE: no visible message, dead-letter queues empty",
    series: (f) =>
      f.queues.map((q) => ({
        series: `aws_sqs_approximate_number_of_messages_visible_maximum${labels({ dimension_QueueName: q })}`,
        values: flat(0),
      })),
  },
  aws_kafka_sum_offset_lag_maximum: {
    why: "YACE: consumers keep up",
    series: () => [
      {
        series: `aws_kafka_sum_offset_lag_maximum${labels({ dimension_Consumer_Group: "events-bridge", dimension_Topic: "domain-events" })}`,
        values: flat(0),
      },
    ],
  },
  kafka_server_ReplicaManager_Value: {
    why: "MSK open monitoring: every broker's replicas in sync",
    series: () =>
      [1, 2, 3].flatMap((b) =>
        (["UnderReplicatedPartitions", "UnderMinIsrPartitionCount"] as const).map((name) => ({
          series: `kafka_server_ReplicaManager_Value${labels({ job: "msk-jmx-exporter", instance: `b-${b}.msk.internal`, name })}`,
          values: flat(0),
        })),
      ),
  },
  aws_kafka_offline_partitions_count_maximum: {
    why: "YACE: every partition has a leader",
    series: () => [
      {
        series: `aws_kafka_offline_partitions_count_maximum${labels({ dimension_Cluster_Name: "platform" })}`,
        values: flat(0),
      },
    ],
  },
  aws_kafka_active_controller_count_maximum: {
    why: "YACE: the cluster has its active controller",
    series: () => [
      {
        series: `aws_kafka_active_controller_count_maximum${labels({ dimension_Cluster_Name: "platform" })}`,
        values: flat(1),
      },
    ],
  },
  argo_events_action_failed_total: {
    why: "Argo Events: every Sensor trigger fires",
    series: () => [
      {
        series: `argo_events_action_failed_total${labels({ namespace: "workflows", sensor_name: "requests", trigger_name: "submit" })}`,
        values: flat(0),
      },
    ],
  },
  argo_events_events_processing_failed_total: {
    why: "Argo Events: every EventSource event reaches the event bus",
    series: () => [
      {
        series: `argo_events_events_processing_failed_total${labels({ namespace: "workflows", eventsource_name: "requests", event_name: "queue" })}`,
        values: flat(0),
      },
    ],
  },
  certmanager_certificate_ready_status: {
    why: "cert-manager: every certificate Ready",
    series: (f) =>
      f.certificates.flatMap((c) =>
        (["True", "False", "Unknown"] as const).map((condition) => ({
          series: `certmanager_certificate_ready_status${labels({ namespace: c.namespace, name: c.name, condition })}`,
          values: flat(condition === "True" ? 1 : 0),
        })),
      ),
  },
  certmanager_certificate_renewal_timestamp_seconds: {
    why: "cert-manager: every certificate renews in the future (at 2/3 of its duration, the default)",
    series: (f) =>
      f.certificates.map((c) => ({
        series: `certmanager_certificate_renewal_timestamp_seconds${labels({ namespace: c.namespace, name: c.name })}`,
        values: flat(Math.round((2 * c.durationSeconds) / 3)),
      })),
  },
  argo_workflows_total_count: {
    why: "Argo: workflows succeed, none fail",
    series: () => [
      {
        series: `argo_workflows_total_count${labels({ namespace: "workflows", phase: "Succeeded" })}`,
        values: counter(1),
      },
      {
        series: `argo_workflows_total_count${labels({ namespace: "workflows", phase: "Failed" })}`,
        values: flat(0),
      },
    ],
  },
  certmanager_certificate_expiration_timestamp_seconds: {
    why: "cert-manager: every certificate just issued (at t=0), expiring a full duration later",
    series: (f) =>
      f.certificates.map((c) => ({
        series: `certmanager_certificate_expiration_timestamp_seconds${labels({ namespace: c.namespace, name: c.name })}`,
        values: flat(c.durationSeconds),
      })),
  },
  elasticsearch_cluster_health_status: {
    why: "elasticsearch-exporter: every cluster green",
    series: (f) =>
      f.elasticsearchClusters.flatMap((cluster) =>
        (["green", "yellow", "red"] as const).map((color) => ({
          series: `elasticsearch_cluster_health_status${labels({ cluster, color })}`,
          values: flat(color === "green" ? 1 : 0),
        })),
      ),
  },
  fluentbit_output_retries_total: {
    why: "Fluent Bit: its Logstash output never retries",
    series: () => [
      { series: `fluentbit_output_retries_total${FLUENT_BIT_OUTPUT}`, values: flat(0) },
    ],
  },
  fluentbit_output_proc_records_total: {
    why: "Fluent Bit: its Logstash output delivers records",
    series: () => [
      { series: `fluentbit_output_proc_records_total${FLUENT_BIT_OUTPUT}`, values: counter(100) },
    ],
  },
  fluentbit_output_dropped_records_total: {
    why: "Fluent Bit: no record dropped",
    series: () => [
      { series: `fluentbit_output_dropped_records_total${FLUENT_BIT_OUTPUT}`, values: flat(0) },
    ],
  },
  fluentbit_input_ingestion_paused: {
    why: "Fluent Bit: its tail input is never paused",
    series: () => [
      {
        series: `fluentbit_input_ingestion_paused${labels({ ...FLUENT_BIT_POD, name: FLUENT_BIT_INPUT_ALIAS })}`,
        values: flat(0),
      },
    ],
  },
  logstash_info_up: {
    why: "Logstash: the exporter reaches its API",
    series: () => [{ series: `logstash_info_up${labels(LOGSTASH_POD)}`, values: flat(1) }],
  },
  logstash_stats_pipeline_up: {
    why: "Logstash: its pipeline loaded",
    series: () => [
      {
        series: `logstash_stats_pipeline_up${labels({ ...LOGSTASH_POD, pipeline: LOGSTASH_PIPELINE_ID })}`,
        values: flat(1),
      },
    ],
  },
  logstash_stats_pipeline_plugin_documents_non_retryable_failures: {
    why: "Logstash: Elasticsearch accepts every document",
    series: () => [
      {
        series: `logstash_stats_pipeline_plugin_documents_non_retryable_failures${labels({
          ...LOGSTASH_POD,
          pipeline: LOGSTASH_PIPELINE_ID,
          plugin_type: "output",
          plugin: "elasticsearch",
          plugin_id: LOGSTASH_ELASTICSEARCH_OUTPUT_ID,
        })}`,
        values: flat(0),
      },
    ],
  },
  prometheus_notifications_errors_total: {
    why: "Prometheus: no failed notification",
    series: () => [
      {
        series: `prometheus_notifications_errors_total${labels({ pod: "prometheus-0", alertmanager: "am-0" })}`,
        values: flat(0),
      },
    ],
  },
  prometheus_notifications_sent_total: {
    why: "Prometheus: the Watchdog heartbeat is sent",
    series: () => [
      {
        series: `prometheus_notifications_sent_total${labels({ pod: "prometheus-0", alertmanager: "am-0" })}`,
        values: counter(2),
      },
    ],
  },
  alertmanager_notifications_failed_total: {
    why: "Alertmanager: no failed notification",
    series: () =>
      ["pagerduty", "slack", "sns"].map((integration) => ({
        series: `alertmanager_notifications_failed_total${labels({ integration })}`,
        values: flat(0),
      })),
  },
  alertmanager_notifications_total: {
    why: "Alertmanager: notifications delivered",
    series: () =>
      ["pagerduty", "slack", "sns"].map((integration) => ({
        series: `alertmanager_notifications_total${labels({ integration })}`,
        values: counter(1),
      })),
  },
};

const PROMQL_WORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "inf",
  "nan",
]);

/** The metric names a PromQL expression selects (functions, labels and keywords left out). */
export function metricsSelectedBy(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // range and subquery windows
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ""); // label lists
  const names = new Set<string>();
  for (const m of bare.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)) {
    if (m[2] === "(" || PROMQL_WORDS.has(m[1].toLowerCase())) continue;
    names.add(m[1]);
  }
  return [...names].sort();
}

/** The healthy series for every metric the rules read; throws naming any metric not covered. */
export function healthySeries(groups: RuleGroup[], facts: HealthyStackFacts): InputSeries[] {
  const read = new Set(groups.flatMap((g) => g.rules.flatMap((r) => metricsSelectedBy(r.expr))));
  const missing = [...read].filter((m) => !(m in HEALTHY_METRICS)).sort();
  if (missing.length > 0) {
    throw new Error(
      `the alert rules read ${missing.join(", ")}, which HEALTHY_METRICS in ` +
        "components/observability/healthyStack.ts does not cover: add each metric's healthy series",
    );
  }
  return [...read].sort().flatMap((m) => HEALTHY_METRICS[m].series(facts));
}

/**
 * Evaluation times: start (empty rate windows), past the short `for:` (≤ 15m) and 5m/30m windows,
 * past the longest `for:` (1h) and 1h windows, and where the 6h slow-burn windows are full.
 */
export const HEALTHY_EVAL_TIMES = ["0m", "10m", "20m", "1h", "1h5m", "6h"] as const;

/**
 * A `promtool test rules` file expecting no alert (any severity) from any rule of `groups` at each
 * of `evalTimes`, over the healthy series.
 */
export function healthyTestFile(
  ruleFile: string,
  groups: RuleGroup[],
  facts: HealthyStackFacts,
  evalTimes: readonly string[] = HEALTHY_EVAL_TIMES,
): string {
  const alerts = groups.flatMap((g) => g.rules.map((r) => r.alert));
  return stringify({
    rule_files: [ruleFile],
    evaluation_interval: SERIES_INTERVAL,
    tests: [
      {
        interval: SERIES_INTERVAL,
        input_series: healthySeries(groups, facts),
        alert_rule_test: evalTimes.flatMap((eval_time) =>
          alerts.map((alertname) => ({ eval_time, alertname, exp_alerts: [] })),
        ),
      },
    ],
  });
}

/** One stack's deployed rule groups and the facts of its graph (healthyStack.test.ts). */
export interface HealthyStackProbe {
  stack: string;
  groups: RuleGroup[];
  facts: HealthyStackFacts;
}
