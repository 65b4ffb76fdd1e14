/**
 * The platform's alert rules as code: typed thresholds, pure rendering to Prometheus rule groups
 * (promtool's rule-file format), and a component that applies each group as a PrometheusRule the
 * kube-prometheus-stack operator loads. Every expression interpolates the thresholds; none
 * hard-codes a number. `alertRules.test.ts` runs promtool on the rendered groups.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { dependenciesOf, PROM_DURATION, throwIfInvalid, ValidationError } from "../lib";
import { KEDA_NAMESPACE, KEDA_WORKLOADS } from "../platform/keda";

/** A Prometheus duration such as `5m` or `1h`. */
export type Duration = `${number}${"s" | "m" | "h" | "d"}`;

/** Thresholds and `for:` windows of every alert; defaults in `DEFAULT_ALERT_THRESHOLDS`. */
export interface AlertThresholds {
  /** Linkerd service SLOs, from the proxies' inbound `response_total` and latency histogram. */
  mesh: {
    /** Share of inbound requests that must succeed. @default 0.999 */
    availabilityObjective: number;
    /** Share of inbound requests that must finish within `latencyThresholdMs`. @default 0.99 */
    latencyObjective: number;
    /** The latency objective's bound; must be a Linkerd histogram bucket (`le`). @default 500 */
    latencyThresholdMs: number;
    /** Burn rate that pages: 14.4 spends 2% of a 30-day budget in one hour. @default 14.4 */
    burnRateFactor: number;
    /** Long and short windows; both must burn (multi-window). @default 1h and 5m */
    longWindow: Duration;
    shortWindow: Duration;
    for: Duration;
    /**
     * The slow pair, a warning to chat: 6 spends 5% of a 30-day budget in six hours, a leak the
     * fast pair never sees. @default 6, over 6h and 30m
     */
    slowBurnRateFactor: number;
    slowLongWindow: Duration;
    slowShortWindow: Duration;
    slowFor: Duration;
  };
  sqs: {
    /** Age of the oldest message (seconds) above which a queue is stuck. @default 900 */
    oldestMessageAgeSeconds: number;
    oldestMessageFor: Duration;
    /** Regex of dead-letter queue names (`<name>-dlq-<7 hex>` from messaging/queue.ts). */
    deadLetterQueueRegex: string;
    /** Visible DLQ messages above which the DLQ alert fires. @default 0 */
    deadLetterMessages: number;
    deadLetterFor: Duration;
  };
  kafka: {
    /** Sum of offset lag per consumer group and topic (MSK CloudWatch via YACE). @default 10000 */
    consumerLagMessages: number;
    for: Duration;
    /**
     * How long a broker may report under-replicated partitions (open monitoring's JMX exporter)
     * before it warns. A rolling broker restart (MSK patching, a configuration update) holds some
     * for a few minutes per broker. @default 15m
     */
    underReplicatedFor: Duration;
    /**
     * How long MSK may report an offline partition (no leader: neither readable nor writable)
     * before it pages. YACE reads 5-minute CloudWatch periods every 5 minutes. @default 5m
     */
    offlinePartitionsFor: Duration;
    /** How long MSK may report no active controller before it pages. @default 5m */
    noActiveControllerFor: Duration;
  };
  workflows: {
    /** Failed or errored workflows per namespace in `window` above which it alerts. @default 0 */
    failedWorkflows: number;
    window: Duration;
    for: Duration;
  };
  certificates: {
    /** Namespace and name of cert-manager's Certificate for the Linkerd identity issuer. */
    issuerNamespace: string;
    issuerCertificate: string;
    /** Hours left on the issuer (48h lifetime, renewed 25h before expiry). @default 20 */
    issuerMinRemainingHours: number;
    issuerFor: Duration;
    /** Hours left on the trust anchor below which it alerts (60 days). @default 1440 */
    trustAnchorMinRemainingHours: number;
    trustAnchorFor: Duration;
    /** How long any cert-manager Certificate may stay not Ready before it warns. @default 15m */
    notReadyFor: Duration;
    /**
     * How far past its renewal time a Certificate may be before it warns: cert-manager renews at
     * that time, so a renewal time in the past means renewal keeps failing. @default 1h
     */
    renewalOverdueFor: Duration;
  };
  elasticsearch: {
    /** How long the cluster may be yellow or red before it alerts. @default 15m */
    notGreenFor: Duration;
    /**
     * How long the health metric may be missing (the exporter cannot reach Elasticsearch, or does
     * not run) before it alerts. @default 15m
     */
    healthUnknownFor: Duration;
  };
  logShipping: {
    /**
     * How long a Fluent Bit output may keep retrying without delivering a record before it warns:
     * Logstash is unreachable, or answers 429 while it cannot write to Elasticsearch. Fluent Bit
     * retries forever (`Retry_Limit False`), so this, not a failed retry, is the symptom. @default 10m
     */
    stalledFor: Duration;
    /**
     * How long Fluent Bit's tail input may stay paused, its memory buffer full, before it warns:
     * lines of log files rotated meanwhile are never read. @default 10m
     */
    pausedFor: Duration;
    /**
     * How long a dropped Fluent Bit record or a document Elasticsearch rejected from Logstash
     * keeps the alert pending: either is a log lost for good. @default 1m
     */
    lossFor: Duration;
    /**
     * How long a Logstash pod's monitoring API may be unreachable, or its pipeline's last reload
     * have failed, before it warns. @default 5m
     */
    logstashFor: Duration;
  };
  events: {
    /**
     * How long an Argo Events Sensor's triggers or EventSource's events may keep failing (no
     * workflow is submitted for the events) before it warns. @default 10m
     */
    failuresFor: Duration;
  };
  autoscaling: {
    /**
     * How long a KEDA scaler or ScaledObject may keep failing (it cannot read the queue depth, so
     * the service stops scaling on it) before it alerts. @default 10m
     */
    errorsFor: Duration;
    /**
     * How long KEDA's operator or metrics API server may have no scrapeable replica before it
     * alerts: without them no ScaledObject's HPA gets a metric. @default 10m
     */
    unavailableFor: Duration;
  };
  monitoring: {
    /** Percent of a job's targets down above which it alerts. @default 10 */
    targetsDownPercent: number;
    targetsDownFor: Duration;
    /** Percent of Prometheus' notifications to Alertmanager failing. @default 3 */
    prometheusNotificationErrorPercent: number;
    /** Percent of Alertmanager's notifications failing per integration. @default 1 */
    alertmanagerNotificationErrorPercent: number;
    notificationsFor: Duration;
  };
}

/**
 * Per-stack changes to the thresholds (`observability.alerting.thresholds`): any group, any field;
 * what is left out keeps its base value. config.ts parses exactly this type.
 */
export type AlertThresholdOverrides = {
  [G in keyof AlertThresholds]?: Partial<AlertThresholds[G]>;
};

/** The owned defaults, reviewed as alerting posture. */
export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
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

/** Values known only per deployment. */
export interface RenderOptions {
  /**
   * NotAfter of the Linkerd trust anchor, in Unix seconds. The anchor is a @pulumi/tls
   * certificate (components/mesh/linkerd.ts), not a cert-manager Certificate, so no exporter
   * reports its expiry; the rule compares this constant with `time()`.
   */
  trustAnchorNotAfterSeconds: number;
  /** Base of `runbook_url`. @default RUNBOOK_BASE_URL */
  runbookBaseUrl?: string;
}

/** Where the runbooks live; each alert links `<base>/<AlertName>.md` (docs/runbooks/). */
export const RUNBOOK_BASE_URL = "https://github.com/acme/platform/blob/main/docs/runbooks";

export const SEVERITIES = ["critical", "warning"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One alerting rule in promtool's rule-file format. */
export interface AlertRule {
  alert: string;
  expr: string;
  for: Duration;
  /** `severity` always; more static labels where one alert name exists per service. */
  labels: { severity: Severity } & Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

/** One rule group. */
export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** A PromQL double-quoted string literal (Go escaping, which JSON's is a subset of). */
function promqlString(value: string): string {
  return JSON.stringify(value);
}

const DURATION_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** A duration in seconds, or undefined when it is not one. */
function durationSeconds(d: string): number | undefined {
  if (!PROM_DURATION.test(d)) return undefined;
  return parseFloat(d) * DURATION_SECONDS[d.slice(-1) as keyof typeof DURATION_SECONDS];
}

/**
 * The relations between fields that each field's own check cannot see. Fields that are not
 * valid on their own are skipped here (their own check reports them).
 */
export function alertThresholdConflicts(t: AlertThresholds): ValidationError[] {
  const errors: ValidationError[] = [];
  const shorter = (short: keyof AlertThresholds["mesh"], long: keyof AlertThresholds["mesh"]) => {
    const s = durationSeconds(String(t.mesh[short]));
    const l = durationSeconds(String(t.mesh[long]));
    if (s !== undefined && l !== undefined && !(s < l))
      errors.push({
        propertyPath: `mesh.${short}`,
        reason: `must be shorter than mesh.${long} (${t.mesh[long]}), got ${t.mesh[short]}: the short window confirms the long one is still burning; shorten ${short} or lengthen ${long}`,
      });
  };
  shorter("shortWindow", "longWindow");
  shorter("slowShortWindow", "slowLongWindow");
  const { burnRateFactor: fast, slowBurnRateFactor: slow } = t.mesh;
  if (Number.isFinite(fast) && Number.isFinite(slow) && !(slow < fast))
    errors.push({
      propertyPath: "mesh.slowBurnRateFactor",
      reason: `must be below mesh.burnRateFactor (${fast}), got ${slow}: the slow pair warns of a leak the fast pair does not page for; lower slowBurnRateFactor or raise burnRateFactor`,
    });
  return errors;
}

/** Checks the thresholds; returns every problem found. */
export function validateAlertThresholds(t: AlertThresholds, o: RenderOptions): ValidationError[] {
  const errors: ValidationError[] = [];
  const ratio = (path: string, v: number) => {
    if (!(v > 0 && v < 1))
      errors.push({ propertyPath: path, reason: `must be in (0, 1), got ${v}` });
  };
  const nonNegative = (path: string, v: number) => {
    if (!(Number.isFinite(v) && v >= 0))
      errors.push({ propertyPath: path, reason: `must be a number >= 0, got ${v}` });
  };
  ratio("mesh.availabilityObjective", t.mesh.availabilityObjective);
  ratio("mesh.latencyObjective", t.mesh.latencyObjective);
  for (const [group, values] of Object.entries(t)) {
    for (const [key, v] of Object.entries(values as Record<string, unknown>)) {
      if (typeof v === "number") nonNegative(`${group}.${key}`, v);
      if (typeof v === "number" && key.endsWith("Percent") && v > 100)
        errors.push({ propertyPath: `${group}.${key}`, reason: `must be at most 100, got ${v}` });
      if (typeof v === "string" && v.length === 0)
        errors.push({ propertyPath: `${group}.${key}`, reason: "must not be empty" });
      if (
        (key === "for" || key.endsWith("For") || key.endsWith("Window") || key === "window") &&
        !PROM_DURATION.test(String(v))
      )
        errors.push({
          propertyPath: `${group}.${key}`,
          reason: `must be a duration like 5m, got ${String(v)}`,
        });
    }
  }
  if (!(t.mesh.latencyThresholdMs > 0))
    errors.push({
      propertyPath: "mesh.latencyThresholdMs",
      reason: `must be above 0 (a Linkerd latency bucket in ms), got ${t.mesh.latencyThresholdMs}`,
    });
  const regexError = regexProblem(t.sqs.deadLetterQueueRegex);
  if (regexError) errors.push({ propertyPath: "sqs.deadLetterQueueRegex", reason: regexError });
  errors.push(...alertThresholdConflicts(t));
  nonNegative("trustAnchorNotAfterSeconds", o.trustAnchorNotAfterSeconds);
  return errors;
}

/** Why a pattern does not compile as a regular expression, or undefined when it does. */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    return `must be a valid regular expression: ${(e as Error).message}`;
  }
}

/**
 * The base thresholds with a stack's overrides applied, group by group: a field set in
 * `overrides` replaces the base's, every other field keeps its base value. Pure; throws, naming
 * each field, when an override names no threshold or the result is invalid.
 */
export function withAlertThresholdOverrides(
  overrides: AlertThresholdOverrides,
  base: AlertThresholds = DEFAULT_ALERT_THRESHOLDS,
): AlertThresholds {
  const groups = base as unknown as Record<string, Record<string, unknown> | undefined>;
  const unknown: ValidationError[] = [];
  for (const [group, fields] of Object.entries(overrides)) {
    const known = groups[group];
    if (!known) {
      unknown.push({
        propertyPath: group,
        reason: `is not a threshold group; valid: ${Object.keys(base).join(", ")}`,
      });
      continue;
    }
    for (const key of Object.keys(fields ?? {}).filter((k) => !(k in known)))
      unknown.push({
        propertyPath: `${group}.${key}`,
        reason: `is not a threshold; valid: ${Object.keys(known).join(", ")}`,
      });
  }
  throwIfInvalid("withAlertThresholdOverrides", unknown);
  const merged = Object.fromEntries(
    Object.entries(base).map(([group, values]) => [
      group,
      {
        ...(values as object),
        ...Object.fromEntries(
          Object.entries(overrides[group as keyof AlertThresholds] ?? {}).filter(
            ([, v]) => v !== undefined,
          ),
        ),
      },
    ]),
  ) as unknown as AlertThresholds;
  throwIfInvalid(
    "withAlertThresholdOverrides",
    validateAlertThresholds(merged, { trustAnchorNotAfterSeconds: 0 }),
  );
  return merged;
}

/** Renders every rule group from the thresholds. Pure. */
export function renderRuleGroups(t: AlertThresholds, opts: RenderOptions): RuleGroup[] {
  throwIfInvalid("renderRuleGroups", validateAlertThresholds(t, opts));
  const base = opts.runbookBaseUrl ?? RUNBOOK_BASE_URL;
  const rule = (
    alert: string,
    severity: Severity,
    expr: string,
    forDuration: Duration,
    summary: string,
    description: string,
    staticLabels: Record<string, string> = {},
  ): AlertRule => ({
    alert,
    expr,
    for: forDuration,
    labels: { ...staticLabels, severity },
    annotations: { summary, description, runbook_url: `${base}/${alert}.md` },
  });

  const m = t.mesh;
  const by = "namespace, deployment";
  const inbound = 'direction="inbound"';
  const errorRatio = (w: string) =>
    `sum by (${by}) (rate(response_total{${inbound}, classification="failure"}[${w}]))` +
    ` / sum by (${by}) (rate(response_total{${inbound}}[${w}]))`;
  // Prometheus 3 normalises classic-histogram `le` values to floats ("500.0").
  const le = `le=~${promqlString(`${m.latencyThresholdMs}(\\.0)?`)}`;
  const slowRatio = (w: string) =>
    `1 - (sum by (${by}) (rate(response_latency_ms_bucket{${inbound}, ${le}}[${w}]))` +
    ` / sum by (${by}) (rate(response_latency_ms_count{${inbound}}[${w}])))`;
  const budget = (factor: number, objective: number) => +(factor * (1 - objective)).toPrecision(12);
  const burn = (
    ratio: (w: string) => string,
    limit: number,
    longWindow: Duration,
    shortWindow: Duration,
  ) => `(${ratio(longWindow)}) > ${limit}\nand\n(${ratio(shortWindow)}) > ${limit}`;
  /** The error and latency alerts of one burn-rate pair. */
  const burnAlerts = (
    suffix: "" | "Slow",
    severity: Severity,
    factor: number,
    longWindow: Duration,
    shortWindow: Duration,
    forDuration: Duration,
  ): AlertRule[] => {
    const speed = suffix === "Slow" ? "steadily" : "fast";
    const windows = `over both ${longWindow} and ${shortWindow}`;
    return [
      rule(
        `MeshServiceErrorBudget${suffix}Burn`,
        severity,
        burn(errorRatio, budget(factor, m.availabilityObjective), longWindow, shortWindow),
        forDuration,
        `{{ $labels.namespace }}/{{ $labels.deployment }} is burning its error budget ${speed}`,
        `Inbound failure ratio of {{ $labels.namespace }}/{{ $labels.deployment }} is above ${factor}x the budget of a ${m.availabilityObjective} availability SLO ${windows}.`,
      ),
      rule(
        `MeshServiceLatencyBudget${suffix}Burn`,
        severity,
        burn(slowRatio, budget(factor, m.latencyObjective), longWindow, shortWindow),
        forDuration,
        `{{ $labels.namespace }}/{{ $labels.deployment }} is burning its latency budget ${speed}`,
        `Share of inbound requests of {{ $labels.namespace }}/{{ $labels.deployment }} slower than ${m.latencyThresholdMs}ms is above ${factor}x the budget of a ${m.latencyObjective} latency SLO ${windows}.`,
      ),
    ];
  };

  const s = t.sqs;
  const c = t.certificates;
  const mon = t.monitoring;
  const ls = t.logShipping;

  return [
    {
      name: "mesh-slo",
      rules: [
        ...burnAlerts("", "critical", m.burnRateFactor, m.longWindow, m.shortWindow, m.for),
        ...burnAlerts(
          "Slow",
          "warning",
          m.slowBurnRateFactor,
          m.slowLongWindow,
          m.slowShortWindow,
          m.slowFor,
        ),
      ],
    },
    {
      name: "messaging",
      rules: [
        rule(
          "SqsOldestMessageTooOld",
          "warning",
          `max by (dimension_QueueName) (aws_sqs_approximate_age_of_oldest_message_maximum{dimension_QueueName!~${promqlString(s.deadLetterQueueRegex)}}) > ${s.oldestMessageAgeSeconds}`,
          s.oldestMessageFor,
          "SQS queue {{ $labels.dimension_QueueName }} is not being drained",
          `The oldest message in {{ $labels.dimension_QueueName }} is older than ${s.oldestMessageAgeSeconds}s.`,
        ),
        rule(
          "SqsDeadLetterQueueNotEmpty",
          "warning",
          `max by (dimension_QueueName) (aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName=~${promqlString(s.deadLetterQueueRegex)}}) > ${s.deadLetterMessages}`,
          s.deadLetterFor,
          "Dead-letter queue {{ $labels.dimension_QueueName }} has messages",
          `{{ $labels.dimension_QueueName }} holds more than ${s.deadLetterMessages} visible messages: some messages failed every delivery attempt.`,
        ),
        rule(
          "KafkaConsumerLagHigh",
          "warning",
          `max by (dimension_Consumer_Group, dimension_Topic) (aws_kafka_sum_offset_lag_maximum) > ${t.kafka.consumerLagMessages}`,
          t.kafka.for,
          "Consumer group {{ $labels.dimension_Consumer_Group }} lags on {{ $labels.dimension_Topic }}",
          `The offset lag of {{ $labels.dimension_Consumer_Group }} on topic {{ $labels.dimension_Topic }} is above ${t.kafka.consumerLagMessages} messages.`,
        ),
        // MSK broker health. Under-replication is a broker metric, read from open monitoring's JMX
        // exporter (job msk-jmx-exporter, `instance` = broker host). Offline partitions and the
        // active controller are controller metrics: on a KRaft cluster (the recommended version)
        // the controllers are MSK's own nodes, which open monitoring does not expose, so those two
        // come from MSK's CloudWatch metrics through YACE (DEFAULT level, `Cluster Name`).
        // Budget: a replica out of sync for 15m (past a rolling restart's per-broker minutes).
        rule(
          "KafkaUnderReplicatedPartitions",
          "warning",
          `max by (instance) (kafka_server_ReplicaManager_Value{name="UnderReplicatedPartitions"}) > 0`,
          t.kafka.underReplicatedFor,
          "Broker {{ $labels.instance }} has under-replicated partitions",
          `Broker {{ $labels.instance }} has reported under-replicated partitions for ${t.kafka.underReplicatedFor}: a replica is out of sync, and one more broker loss can take partitions offline.`,
        ),
        // Budget: pages within 5m of `for:` plus YACE's 5m period and scrape, so 10-15 minutes.
        rule(
          "KafkaOfflinePartitions",
          "critical",
          "max by (dimension_Cluster_Name) (aws_kafka_offline_partitions_count_maximum) > 0",
          t.kafka.offlinePartitionsFor,
          "MSK cluster {{ $labels.dimension_Cluster_Name }} has offline partitions",
          `MSK cluster {{ $labels.dimension_Cluster_Name }} has reported partitions without a leader for ${t.kafka.offlinePartitionsFor}: producers and consumers of those partitions fail.`,
        ),
        // Budget: as above. Only the missing controller: YACE's 5-minute Maximum cannot count two;
        // the CloudWatch alarm (alarms.ts) sums the brokers' reports per minute and sees both.
        rule(
          "KafkaNoActiveController",
          "critical",
          "max by (dimension_Cluster_Name) (aws_kafka_active_controller_count_maximum) < 1",
          t.kafka.noActiveControllerFor,
          "MSK cluster {{ $labels.dimension_Cluster_Name }} has no active controller",
          `MSK cluster {{ $labels.dimension_Cluster_Name }} has reported no active controller for ${t.kafka.noActiveControllerFor}: no leader elections, topic or partition changes.`,
        ),
      ],
    },
    {
      name: "workflows",
      rules: [
        rule(
          "ArgoWorkflowsFailed",
          "warning",
          `sum by (namespace) (increase(argo_workflows_total_count{phase=~"Failed|Error"}[${t.workflows.window}])) > ${t.workflows.failedWorkflows}`,
          t.workflows.for,
          "Workflows failed in {{ $labels.namespace }}",
          `More than ${t.workflows.failedWorkflows} Argo workflows ended Failed or Error in {{ $labels.namespace }} in the last ${t.workflows.window}.`,
        ),
        // The Argo engine's trigger (workflows/argoEvents.ts): its EventSource and Sensor pods are
        // scraped by the argo-events-workloads PodMonitor. Budget: warns after 10m of failures.
        rule(
          "ArgoEventsTriggerFailing",
          "warning",
          "sum by (namespace, sensor_name, trigger_name) (rate(argo_events_action_failed_total[5m])) > 0",
          t.events.failuresFor,
          "Sensor {{ $labels.namespace }}/{{ $labels.sensor_name }} cannot fire {{ $labels.trigger_name }}",
          `Trigger {{ $labels.trigger_name }} of Sensor {{ $labels.namespace }}/{{ $labels.sensor_name }} has failed for ${t.events.failuresFor}: its events submit no workflow.`,
        ),
        rule(
          "ArgoEventsEventSourceFailing",
          "warning",
          "sum by (namespace, eventsource_name, event_name) (rate(argo_events_events_processing_failed_total[5m])) > 0",
          t.events.failuresFor,
          "EventSource {{ $labels.namespace }}/{{ $labels.eventsource_name }} fails to process {{ $labels.event_name }}",
          `EventSource {{ $labels.namespace }}/{{ $labels.eventsource_name }} has failed to process or publish {{ $labels.event_name }} events for ${t.events.failuresFor}: they do not reach the Sensor.`,
        ),
      ],
    },
    {
      name: "mesh-certificates",
      rules: [
        rule(
          "LinkerdIdentityIssuerExpiringSoon",
          "critical",
          `max by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds{namespace="${c.issuerNamespace}", name="${c.issuerCertificate}"}) - time() < ${c.issuerMinRemainingHours * 3600}`,
          c.issuerFor,
          "The Linkerd identity issuer expires soon",
          `Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than ${c.issuerMinRemainingHours}h: cert-manager has not renewed it.`,
        ),
        rule(
          "LinkerdTrustAnchorExpiringSoon",
          "warning",
          `vector(${opts.trustAnchorNotAfterSeconds}) - time() < ${c.trustAnchorMinRemainingHours * 3600}`,
          c.trustAnchorFor,
          "The Linkerd trust anchor expires soon",
          `The Linkerd trust anchor expires in less than ${c.trustAnchorMinRemainingHours}h; rotate it before it does.`,
        ),
        // Every cert-manager Certificate (the issuer above included). Budget: warns after 15m
        // not Ready (issuance takes seconds), and 1h past a renewal time that did not move.
        rule(
          "CertManagerCertificateNotReady",
          "warning",
          `max by (namespace, name) (certmanager_certificate_ready_status{condition!="True"}) == 1`,
          c.notReadyFor,
          "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not ready",
          `cert-manager has reported Certificate {{ $labels.namespace }}/{{ $labels.name }} not Ready for ${c.notReadyFor}: it cannot issue it.`,
        ),
        rule(
          "CertManagerCertificateRenewalOverdue",
          "warning",
          "time() - max by (namespace, name) (certmanager_certificate_renewal_timestamp_seconds) > 0",
          c.renewalOverdueFor,
          "Certificate {{ $labels.namespace }}/{{ $labels.name }} is overdue for renewal",
          `Certificate {{ $labels.namespace }}/{{ $labels.name }} has been past its renewal time for ${c.renewalOverdueFor}: cert-manager keeps failing to renew it.`,
        ),
      ],
    },
    {
      name: "logging",
      rules: [
        rule(
          "ElasticsearchClusterNotGreen",
          "warning",
          `max by (cluster) (elasticsearch_cluster_health_status{color="green"}) < 1`,
          t.elasticsearch.notGreenFor,
          "Elasticsearch cluster {{ $labels.cluster }} is not green",
          `Elasticsearch cluster {{ $labels.cluster }} has been yellow or red for ${t.elasticsearch.notGreenFor}.`,
        ),
        // The exporter emits no health series when it cannot fetch _cluster/health, and its
        // scrape still succeeds, so neither the rule above nor PrometheusTargetsDown would fire.
        rule(
          "ElasticsearchHealthUnknown",
          "warning",
          `absent(elasticsearch_cluster_health_status{color="green"})`,
          t.elasticsearch.healthUnknownFor,
          "Elasticsearch health is unknown",
          `No elasticsearch_cluster_health_status series for ${t.elasticsearch.healthUnknownFor}: the exporter is not running or cannot reach Elasticsearch.`,
        ),
        // The shippers (components/observability/logging.ts: Fluent Bit on every node posting to
        // Logstash, which writes to Elasticsearch). Logstash retries what Elasticsearch refuses for
        // now (down, 429), so its input blocks and answers Fluent Bit 429: that outage surfaces
        // as FluentBitOutputStalled beside the Elasticsearch alerts above. Budget: warns 15m
        // after the last delivery (a 5m rate, then 10m); 10m into a full buffer; 2m after a lost
        // log; 5m after Logstash's API stops answering or a pipeline reload fails.
        rule(
          "FluentBitOutputStalled",
          "warning",
          "sum by (namespace, pod, name) (rate(fluentbit_output_retries_total[5m])) > 0 unless sum by (namespace, pod, name) (rate(fluentbit_output_proc_records_total[5m])) > 0",
          ls.stalledFor,
          "Fluent Bit {{ $labels.pod }} delivers no logs",
          `Fluent Bit {{ $labels.pod }} has retried its {{ $labels.name }} output for ${ls.stalledFor} without delivering a record: this node's logs are not reaching Logstash.`,
        ),
        rule(
          "FluentBitIngestionPaused",
          "warning",
          "max by (namespace, pod, name) (fluentbit_input_ingestion_paused) > 0",
          ls.pausedFor,
          "Fluent Bit {{ $labels.pod }} stopped reading logs",
          `The {{ $labels.name }} input of Fluent Bit {{ $labels.pod }} has been paused for ${ls.pausedFor}: its memory buffer is full, and lines of log files rotated meanwhile are lost.`,
        ),
        rule(
          "FluentBitRecordsDropped",
          "warning",
          "sum by (namespace, pod, name) (increase(fluentbit_output_dropped_records_total[10m])) > 0",
          ls.lossFor,
          "Fluent Bit {{ $labels.pod }} dropped log records",
          "Fluent Bit {{ $labels.pod }} dropped records of its {{ $labels.name }} output in the last 10 minutes: they never reach Elasticsearch.",
        ),
        rule(
          "LogstashDown",
          "warning",
          "max by (namespace, pod) (logstash_info_up) < 1",
          ls.logstashFor,
          "Logstash {{ $labels.pod }} does not answer",
          `The exporter beside Logstash {{ $labels.pod }} has not reached its monitoring API for ${ls.logstashFor}: Logstash is starting, stuck or out of memory.`,
        ),
        rule(
          "LogstashPipelineReloadFailed",
          "warning",
          "min by (namespace, pod, pipeline) (logstash_stats_pipeline_up) < 1",
          ls.logstashFor,
          "Logstash {{ $labels.pod }} cannot load pipeline {{ $labels.pipeline }}",
          `The last reload of pipeline {{ $labels.pipeline }} on Logstash {{ $labels.pod }} failed ${ls.logstashFor} ago or more: it runs its previous configuration, or none after a restart.`,
        ),
        rule(
          "LogstashDocumentsRejected",
          "warning",
          "sum by (namespace, pod, pipeline, plugin_id) (increase(logstash_stats_pipeline_plugin_documents_non_retryable_failures[10m])) > 0",
          ls.lossFor,
          "Elasticsearch rejects logs from Logstash {{ $labels.pod }}",
          "Elasticsearch rejected documents from output {{ $labels.plugin_id }} of Logstash {{ $labels.pod }} in the last 10 minutes (a mapping conflict, or an index it may not write): Logstash drops them.",
        ),
      ],
    },
    {
      name: "autoscaling",
      rules: [
        // The series carry the ScaledObject's namespace: the PodMonitor honours KEDA's labels.
        rule(
          "KedaScalerErrors",
          "warning",
          "sum by (namespace, scaledObject, scaler) (rate(keda_scaler_detail_errors_total[5m])) > 0",
          t.autoscaling.errorsFor,
          "KEDA cannot read {{ $labels.scaler }} for {{ $labels.namespace }}/{{ $labels.scaledObject }}",
          `The {{ $labels.scaler }} scaler of ScaledObject {{ $labels.namespace }}/{{ $labels.scaledObject }} has failed for ${t.autoscaling.errorsFor}: the service no longer scales on it.`,
        ),
        rule(
          "KedaScaledObjectErrors",
          "warning",
          "sum by (namespace, scaledObject) (rate(keda_scaled_object_errors_total[5m])) > 0",
          t.autoscaling.errorsFor,
          "ScaledObject {{ $labels.namespace }}/{{ $labels.scaledObject }} is failing",
          `KEDA has reported errors for ScaledObject {{ $labels.namespace }}/{{ $labels.scaledObject }} for ${t.autoscaling.errorsFor}.`,
        ),
        // The webhooks only validate KEDA objects on change; a scaling outage is these two.
        ...(
          [
            ["operator", "KedaOperatorDown"],
            ["metricsServer", "KedaMetricsApiServerDown"],
          ] as const
        ).map(([workload, alert]) => {
          // The pods' `app` label is also their container's name (components/platform/keda.ts).
          const container = KEDA_WORKLOADS.find((w) => w.values === workload)!.app;
          return rule(
            alert,
            "warning",
            `absent(up{namespace=${promqlString(KEDA_NAMESPACE)}, container=${promqlString(container)}} == 1)`,
            t.autoscaling.unavailableFor,
            `No ${container} replica is up`,
            `Prometheus has scraped no ${container} for ${t.autoscaling.unavailableFor}: the services KEDA scales keep their current replica count.`,
            // absent() of a comparison has no labels: name the namespace, which Alertmanager
            // groups and inhibits by.
            { namespace: KEDA_NAMESPACE },
          );
        }),
      ],
    },
    {
      name: "monitoring-self",
      rules: [
        rule(
          "PrometheusTargetsDown",
          "warning",
          `100 * (count by (namespace, job) (up == 0) / count by (namespace, job) (up)) > ${mon.targetsDownPercent}`,
          mon.targetsDownFor,
          "Prometheus cannot scrape {{ $labels.namespace }}/{{ $labels.job }}",
          `More than ${mon.targetsDownPercent}% of the targets of {{ $labels.namespace }}/{{ $labels.job }} are down.`,
        ),
        rule(
          "PrometheusNotificationsFailing",
          "critical",
          `100 * (min without (alertmanager) (rate(prometheus_notifications_errors_total[5m]) / rate(prometheus_notifications_sent_total[5m]))) > ${mon.prometheusNotificationErrorPercent}`,
          mon.notificationsFor,
          "Prometheus {{ $labels.pod }} cannot send alerts to Alertmanager",
          `More than ${mon.prometheusNotificationErrorPercent}% of the alerts Prometheus {{ $labels.pod }} sends to every Alertmanager fail.`,
        ),
        rule(
          "AlertmanagerNotificationsFailing",
          "critical",
          `100 * (sum by (integration) (rate(alertmanager_notifications_failed_total[5m])) / sum by (integration) (rate(alertmanager_notifications_total[5m]))) > ${mon.alertmanagerNotificationErrorPercent}`,
          mon.notificationsFor,
          "Alertmanager cannot notify through {{ $labels.integration }}",
          `More than ${mon.alertmanagerNotificationErrorPercent}% of Alertmanager's {{ $labels.integration }} notifications fail.`,
        ),
      ],
    },
  ];
}

/** The groups as a promtool rule file (`groups:`). */
export function ruleFileYaml(groups: RuleGroup[]): string {
  return stringify({ groups }, { lineWidth: 0 });
}

/** The PrometheusRule manifest for one group. */
export function prometheusRuleManifest(
  group: RuleGroup,
  namespace: string,
  releaseName: string,
): Record<string, unknown> {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: `acme-${group.name}`, namespace, labels: { release: releaseName } },
    spec: { groups: [group] },
  };
}

/** The group names, in render order; one PrometheusRule each. */
export const RULE_GROUP_NAMES = [
  "mesh-slo",
  "messaging",
  "workflows",
  "mesh-certificates",
  "logging",
  "autoscaling",
  "monitoring-self",
] as const;

export interface AlertRulesArgs {
  /** Kubernetes provider of the cluster running kube-prometheus-stack. */
  provider: k8s.Provider;
  /** Namespace of the PrometheusRules (the monitoring namespace). */
  namespace: string;
  /** kube-prometheus-stack release name; its ruleSelector matches `release: <releaseName>`. */
  releaseName: string;
  /** @default DEFAULT_ALERT_THRESHOLDS */
  thresholds?: AlertThresholds;
  /** NotAfter of the Linkerd trust anchor in Unix seconds (from the tls certificate). */
  trustAnchorNotAfterSeconds: pulumi.Input<number>;
  runbookBaseUrl?: string;
}

/** One PrometheusRule per rule group. */
export class AlertRules extends pulumi.ComponentResource {
  /** PrometheusRule resources, keyed by group name. */
  public readonly rules: Record<string, k8s.apiextensions.CustomResource>;

  constructor(name: string, args: AlertRulesArgs, opts?: pulumi.ComponentResourceOptions) {
    const thresholds = args.thresholds ?? DEFAULT_ALERT_THRESHOLDS;
    // Validate the plain thresholds before super(), so nothing registers on a bad value (the
    // anchor date may be an Output; renderRuleGroups checks it).
    throwIfInvalid(
      "AlertRules",
      validateAlertThresholds(thresholds, { trustAnchorNotAfterSeconds: 0 }),
    );
    super("acme:observability:AlertRules", name, {}, opts);
    // The rules wait for opts.dependsOn (the release that installs the CRD and the rule selector).
    const deps = dependenciesOf(opts);
    // The set of resources depends only on the static group names, never on an Output.
    const groups = pulumi.output(args.trustAnchorNotAfterSeconds).apply((notAfter) =>
      renderRuleGroups(thresholds, {
        trustAnchorNotAfterSeconds: notAfter,
        runbookBaseUrl: args.runbookBaseUrl,
      }),
    );
    this.rules = {};
    for (const groupName of RULE_GROUP_NAMES) {
      const group = groups.apply((gs) => gs.find((g) => g.name === groupName)!);
      this.rules[groupName] = new k8s.apiextensions.CustomResource(
        `${name}-${groupName}`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: {
            name: `acme-${groupName}`,
            namespace: args.namespace,
            labels: { release: args.releaseName },
          },
          spec: { groups: [group] },
        },
        { parent: this, provider: args.provider, dependsOn: deps },
      );
    }
    this.registerOutputs({ rules: this.rules });
  }
}
