/**
 * Metrics for the platform: kube-prometheus-stack (Prometheus, Alertmanager, Grafana) from the
 * pinned chart, scrape targets for the mesh, cert-manager and the MSK brokers, CloudWatch metrics
 * of SQS and MSK through yet-another-cloudwatch-exporter (YACE), and the dashboards of
 * `dashboards/*.json` provisioned through Grafana's sidecar.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import {
  type AwsContext,
  CHARTS,
  dependenciesOf,
  DNS_LABEL,
  DNS_LABEL_FORM,
  isAwsRegion,
  podIdentityRole,
  policyDocument,
  type PolicyStatement,
  RESERVED_NAMESPACES,
  throwIfInvalid,
  type ValidationError,
} from "../lib";
import type { AlertmanagerCredential } from "./alertmanager";
import { chartDefaultRulesValues, eksUnscrapeableComponentValues } from "./chartDefaultRules";
import { LOG_INDEX_PATTERN } from "./logging";

/**
 * Value paths kube-prometheus-stack reads but does not default in values.yaml; `checkHelmValues`
 * accepts them and everything under them. `alertmanager.alertmanagerSpec.configSecret` is shown
 * only in a comment (values.yaml, "ConfigSecret is the name of a Kubernetes Secret ... mounted into
 * /etc/alertmanager/config"); the template copies it into the Alertmanager resource's
 * `spec.configSecret`, which the operator reads under the key `alertmanager.yaml`.
 */
export const KUBE_PROMETHEUS_STACK_FREE_FORM_VALUES = [
  "alertmanager.alertmanagerSpec.configSecret",
  // Keys the parent chart adds to its `grafana:` section (values.yaml, `grafana.sidecar.datasources`
  // and `grafana.additionalDataSources`) and its own templates/grafana/configmaps-datasources.yaml
  // reads; the grafana subchart's values.yaml, which the check compares `grafana.*` with, lacks them.
  "grafana.sidecar.datasources.uid",
  "grafana.sidecar.datasources.exemplarTraceIdDestinations",
  "grafana.additionalDataSources",
] as const;

/**
 * Value paths YACE reads but shows only in comments: `serviceMonitor.interval` (values.yaml,
 * "Set how frequently Prometheus should scrape"; templates/servicemonitor.yaml).
 */
export const YACE_FREE_FORM_VALUES = ["serviceMonitor.interval"] as const;

/** UIDs of the provisioned Grafana datasources; dashboards reference them by these UIDs. */
export const DATASOURCE_UIDS = {
  /** Set by the chart (`grafana.sidecar.datasources.uid`, default "prometheus"). */
  prometheus: "prometheus",
  /** Set by the chart (`grafana.sidecar.datasources.alertmanager.uid`). */
  alertmanager: "alertmanager",
  elasticsearch: "elasticsearch-logs",
  jaeger: "jaeger",
} as const;

/** The Secret the Alertmanager operator reads its configuration from must hold this key. */
export const ALERTMANAGER_CONFIG_KEY = "alertmanager.yaml";

/** The Helm release names; resource names in the cluster derive from them. */
export const KUBE_PROMETHEUS_STACK_RELEASE = "kube-prometheus-stack";
export const YACE_RELEASE = "yace";
/** The YACE service account, fixed so the Pod Identity association can name it. */
export const YACE_SERVICE_ACCOUNT = "yace";
/** Alertmanager's service account, fixed for the same reason (SNS receivers sign with SigV4). */
export const ALERTMANAGER_SERVICE_ACCOUNT = "alertmanager";

/** Keys of the Grafana admin Secret, as the chart's defaults name them. */
const GRAFANA_ADMIN_USER_KEY = "admin-user";
const GRAFANA_ADMIN_PASSWORD_KEY = "admin-password";

/** Ports of MSK open monitoring on each broker (JMX exporter, node exporter). */
export const MSK_JMX_EXPORTER_PORT = 11001;
export const MSK_NODE_EXPORTER_PORT = 11002;

/** The directory of the dashboard JSON files, one ConfigMap each. */
export const DASHBOARDS_DIR = path.join(__dirname, "dashboards");

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const RETENTION = /^[0-9]+(ms|s|m|h|d|w|y)$/;

/** Prometheus storage. */
export interface PrometheusArgs {
  /** How long samples are kept, a Prometheus duration such as "15d". */
  retention: string;
  /** Size of each Prometheus replica's volume, in GiB. */
  storageGiB: number;
}

/** MSK open monitoring targets. */
export interface MskBrokersArgs {
  /**
   * A bootstrap broker string (`host:port,host:port,...`, e.g. `Kafka.bootstrapBrokersSaslIam`).
   * Only the hosts are used; Prometheus scrapes each on :11001 (JMX exporter) and :11002 (node
   * exporter). Open monitoring must be enabled on the cluster and the brokers' security group
   * must admit these ports from the nodes.
   */
  bootstrapBrokers: pulumi.Input<string>;
}

/** Arguments of {@link Monitoring}. */
export interface MonitoringArgs extends AwsContext {
  /** The provider of the cluster (`EksCluster.kubernetesProvider`). */
  provider: k8s.Provider;
  /**
   * The namespace created for the stack. It is not meshed: Prometheus scrapes the proxies' admin
   * ports directly (they are not behind mTLS), and an injected Prometheus would add a proxy in front
   * of thousands of scrape connections.
   * @default "monitoring"
   */
  namespace?: string;
  /** Alertmanager with 3 replicas and Prometheus with 2, spread over zones (prod). */
  highAvailability: boolean;
  prometheus: PrometheusArgs;
  /**
   * The StorageClass of Prometheus' and Alertmanager's volumes. It must encrypt
   * (`EksCluster.defaultStorageClassName`, gp3 encrypted with the volumes key).
   */
  storageClassName: pulumi.Input<string>;
  /**
   * Grafana's admin password; kept in a Kubernetes Secret, never in the Helm values.
   * @default generated by the component (32 characters, kept encrypted in the Pulumi state)
   */
  grafanaAdminPassword?: pulumi.Input<string>;
  /**
   * The Alertmanager configuration (`alertmanagerConfigYaml`), kept in a Secret of this name under
   * `alertmanager.yaml` that the component creates before Alertmanager starts. When unset, the
   * chart renders its default (null receiver) configuration.
   */
  alertmanagerConfig?: { secretName: string; yaml: pulumi.Input<string> };
  /**
   * The receivers' credentials (`alertmanagerCredentials`): the component creates their Secrets
   * in the namespace before the release, since Alertmanager's pods cannot start without them.
   * @default none
   */
  alertmanagerCredentials?: AlertmanagerCredential[];
  /**
   * SNS topics Alertmanager publishes to (the heartbeat, an SNS pager) and the key that encrypts
   * them. Alertmanager then gets a Pod Identity role that may publish to exactly these topics.
   * @default none (no SNS receivers, no role)
   */
  alertmanagerSns?: AlertmanagerSnsArgs;
  /** The Elasticsearch URL of the logs datasource (https, inside the cluster). */
  elasticsearchUrl: pulumi.Input<string>;
  /**
   * The logs datasource's user (`Logging.grafanaUser`) and the CA of Elasticsearch's HTTP layer
   * (`Logging.elasticsearchCaPem`). The password goes into a Secret of this namespace that Grafana
   * reads as an environment variable; neither it nor the CA's key ever lands in the values.
   */
  elasticsearchAuth: {
    username: string;
    password: pulumi.Input<string>;
    caPem: pulumi.Input<string>;
  };
  /**
   * The Elasticsearch index pattern of the logs datasource (the Grafana user may read only this).
   * @default LOG_INDEX_PATTERN ("logs-acme-*")
   */
  elasticsearchIndex?: string;
  /** The Jaeger query URL of the tracing datasource. */
  tracingQueryUrl: pulumi.Input<string>;
  /** MSK brokers to scrape through open monitoring. */
  mskBrokers: MskBrokersArgs;
  /** The EKS cluster name, for the Pod Identity association. */
  clusterName: pulumi.Input<string>;
}

/** What Alertmanager may publish to. */
export interface AlertmanagerSnsArgs {
  topicArns: pulumi.Input<string>[];
  /** The customer-managed key of the topics (the `alerts` key). */
  kmsKeyArn: pulumi.Input<string>;
}

/**
 * Alertmanager's grant: publish to the given topics, and use their key only through SNS (an
 * encrypted topic needs the publisher's `kms:GenerateDataKey*` and `kms:Decrypt`:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
 */
export function alertmanagerPolicy(
  sns: AlertmanagerSnsArgs,
  region: pulumi.Input<string>,
): PolicyStatement[] {
  return [
    { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: sns.topicArns },
    {
      Sid: "EncryptThroughSns",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Resource: sns.kmsKeyArn,
      Condition: {
        StringEquals: { "kms:ViaService": pulumi.interpolate`sns.${region}.amazonaws.com` },
      },
    },
  ];
}

/** Validates {@link MonitoringArgs}; returns every problem. */
export function validateMonitoringArgs(args: MonitoringArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (!(args.provider instanceof k8s.Provider)) {
    add("provider", "must be a kubernetes Provider for the target cluster");
  }
  const namespace = args.namespace ?? "monitoring";
  if (typeof namespace !== "string" || !DNS_LABEL.test(namespace)) {
    add("namespace", `"${String(namespace)}" is not a namespace name; use ${DNS_LABEL_FORM}`);
  } else if (RESERVED_NAMESPACES.includes(namespace)) {
    add("namespace", `"${namespace}" is shared by the cluster; give monitoring its own namespace`);
  }
  if (typeof args.highAvailability !== "boolean") {
    add("highAvailability", "must be true or false");
  }
  if (
    typeof args.prometheus?.retention !== "string" ||
    !RETENTION.test(args.prometheus.retention)
  ) {
    add(
      "prometheus.retention",
      `"${String(args.prometheus?.retention)}" is not a Prometheus duration such as "15d"`,
    );
  }
  const gib = args.prometheus?.storageGiB;
  if (!Number.isInteger(gib) || (gib as number) < 1) {
    add("prometheus.storageGiB", `must be a whole number of GiB, at least 1; got ${String(gib)}`);
  }
  if (typeof args.storageClassName === "string" && args.storageClassName.trim() === "") {
    add("storageClassName", "must name an encrypting StorageClass");
  }
  if (typeof args.grafanaAdminPassword === "string" && args.grafanaAdminPassword.length < 16) {
    add("grafanaAdminPassword", "must be at least 16 characters (use a generated secret)");
  }
  if (args.alertmanagerConfig && !DNS_SUBDOMAIN.test(args.alertmanagerConfig.secretName)) {
    add(
      "alertmanagerConfig.secretName",
      `"${args.alertmanagerConfig.secretName}" is not a Kubernetes Secret name (a DNS subdomain)`,
    );
  }
  for (const [i, { ref }] of (args.alertmanagerCredentials ?? []).entries()) {
    if (!DNS_SUBDOMAIN.test(ref.name)) {
      add(
        `alertmanagerCredentials[${i}].ref.name`,
        `"${ref.name}" is not a Kubernetes Secret name (a DNS subdomain)`,
      );
    }
  }
  for (const [key, value] of [
    ["elasticsearchUrl", args.elasticsearchUrl],
    ["tracingQueryUrl", args.tracingQueryUrl],
  ] as const) {
    if (typeof value === "string" && !/^https?:\/\/[^\s/]+/.test(value)) {
      add(key, `"${value}" is not an http(s) URL`);
    }
  }
  if (typeof args.clusterName === "string" && args.clusterName.trim() === "") {
    add("clusterName", "must not be empty");
  }
  if (!isAwsRegion(args.region)) {
    add("region", `"${String(args.region)}" is not an AWS Region code; use the form eu-west-1`);
  }
  if (args.alertmanagerSns && args.alertmanagerSns.topicArns.length === 0) {
    add(
      "alertmanagerSns.topicArns",
      "must list at least one topic; leave alertmanagerSns unset instead",
    );
  }
  if (typeof args.mskBrokers?.bootstrapBrokers === "string") {
    if (brokerHosts(args.mskBrokers.bootstrapBrokers).length === 0) {
      add("mskBrokers.bootstrapBrokers", "must list at least one host:port");
    }
  }
  return errors;
}

/** The host names of a bootstrap broker string (`host:port,host:port`), sorted and unique. */
export function brokerHosts(bootstrapBrokers: string): string[] {
  const hosts = bootstrapBrokers
    .split(",")
    .map((b) => b.trim())
    .filter((b) => b !== "")
    .map((b) => b.replace(/:\d+$/, ""));
  return [...new Set(hosts)].sort();
}

/** Prometheus scrape jobs for MSK open monitoring (Prometheus `scrape_config` objects). */
export function mskScrapeConfigs(hosts: string[]): Record<string, unknown>[] {
  const job = (name: string, port: number) => ({
    job_name: name,
    static_configs: [{ targets: hosts.map((h) => `${h}:${port}`) }],
    // Label each series with the broker host rather than host:port.
    relabel_configs: [
      { source_labels: ["__address__"], regex: "([^:]+):\\d+", target_label: "instance" },
    ],
  });
  return [
    job("msk-jmx-exporter", MSK_JMX_EXPORTER_PORT),
    job("msk-node-exporter", MSK_NODE_EXPORTER_PORT),
  ];
}

/** The Secret (in Grafana's namespace) holding the logs datasource's password. */
export const GRAFANA_ELASTICSEARCH_SECRET = "grafana-elasticsearch";
/**
 * The environment variable Grafana gets the password in; its datasource provisioning expands
 * `${NAME}` from the environment (not `GF_*`, which Grafana reads as configuration overrides).
 */
export const GRAFANA_ELASTICSEARCH_PASSWORD_ENV = "ACME_ES_PASSWORD";

/**
 * Grafana datasources besides the chart's Prometheus and Alertmanager ones.
 *
 * Grafana expands `$NAME` and `${NAME}` from the environment in every provisioned value, and `$$`
 * stands for a literal `$` ("Provision Grafana", "Use of the special character $",
 * https://grafana.com/docs/grafana/latest/administration/provisioning/): the links' own
 * `${__value.raw}` and `${__trace.traceId}` are written `$${...}`, or they would arrive empty.
 */
export function additionalDataSources(v: {
  elasticsearchUrl: pulumi.Input<string>;
  elasticsearchIndex: string;
  elasticsearchUsername: string;
  elasticsearchCaPem: pulumi.Input<string>;
  tracingQueryUrl: pulumi.Input<string>;
}): Record<string, unknown>[] {
  return [
    {
      name: "Elasticsearch (logs)",
      uid: DATASOURCE_UIDS.elasticsearch,
      type: "elasticsearch",
      access: "proxy",
      url: v.elasticsearchUrl,
      // Its own read-only user (Logging's acme_grafana role) over TLS verified with the HTTP CA.
      basicAuth: true,
      basicAuthUser: v.elasticsearchUsername,
      secureJsonData: {
        basicAuthPassword: `\${${GRAFANA_ELASTICSEARCH_PASSWORD_ENV}}`,
        tlsCACert: v.elasticsearchCaPem,
      },
      jsonData: {
        tlsAuthWithCACert: true,
        index: v.elasticsearchIndex,
        timeField: "@timestamp",
        logMessageField: "message",
        logLevelField: "level",
        // Logs carry the W3C trace id in `trace_id`; the link opens the trace in Jaeger.
        dataLinks: [
          {
            field: "trace_id",
            url: "$${__value.raw}",
            datasourceUid: DATASOURCE_UIDS.jaeger,
          },
        ],
      },
      editable: false,
    },
    {
      name: "Jaeger",
      uid: DATASOURCE_UIDS.jaeger,
      type: "jaeger",
      access: "proxy",
      url: v.tracingQueryUrl,
      jsonData: {
        // From a span to the logs of the same trace in Elasticsearch.
        tracesToLogsV2: {
          datasourceUid: DATASOURCE_UIDS.elasticsearch,
          filterByTraceID: true,
          filterBySpanID: false,
          customQuery: true,
          query: 'trace_id:"$${__trace.traceId}"',
          spanStartTimeShift: "-5m",
          spanEndTimeShift: "5m",
        },
      },
      editable: false,
    },
  ];
}

/** A zone spread for one of the stack's workloads; the operator adds no selector itself. */
const zoneSpread = (labels: Record<string, string>) => [
  {
    maxSkew: 1,
    topologyKey: "topology.kubernetes.io/zone",
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: labels },
  },
];

const volumeClaim = (storageClassName: pulumi.Input<string>, gib: number) => ({
  volumeClaimTemplate: {
    spec: {
      storageClassName,
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: `${gib}Gi` } },
    },
  },
});

/** What {@link kubePrometheusStackValues} needs besides constants. */
export interface KubePrometheusStackValuesInputs {
  highAvailability: boolean;
  prometheus: PrometheusArgs;
  storageClassName: pulumi.Input<string>;
  grafanaAdminSecretName: pulumi.Input<string>;
  alertmanagerConfigSecretName?: string;
  alertmanagerSecrets?: string[];
  elasticsearchUrl: pulumi.Input<string>;
  elasticsearchIndex: string;
  elasticsearchUsername: string;
  elasticsearchCaPem: pulumi.Input<string>;
  tracingQueryUrl: pulumi.Input<string>;
  mskHosts: pulumi.Input<string[]>;
}

/** The Helm values of kube-prometheus-stack (exported so tests check them against the chart). */
export function kubePrometheusStackValues(v: KubePrometheusStackValuesInputs) {
  const ha = v.highAvailability;
  return {
    // EKS manages the control plane and binds kube-proxy's metrics to loopback: the chart's
    // scrapes of them find nothing and their critical "Down" rules would page forever
    // (chartDefaultRules.ts holds the review, citing the chart templates).
    ...eksUnscrapeableComponentValues(),
    defaultRules: { rules: chartDefaultRulesValues() },
    alertmanager: {
      serviceAccount: { name: ALERTMANAGER_SERVICE_ACCOUNT },
      alertmanagerSpec: {
        replicas: ha ? 3 : 1,
        ...(ha
          ? { topologySpreadConstraints: zoneSpread({ "app.kubernetes.io/name": "alertmanager" }) }
          : {}),
        storage: volumeClaim(v.storageClassName, 5),
        ...(v.alertmanagerConfigSecretName ? { configSecret: v.alertmanagerConfigSecretName } : {}),
        // Receiver credentials, mounted at /etc/alertmanager/secrets/<name>/ for the *_file keys.
        ...(v.alertmanagerSecrets?.length ? { secrets: v.alertmanagerSecrets } : {}),
      },
      ...(ha ? { podDisruptionBudget: { enabled: true, minAvailable: 2 } } : {}),
    },
    prometheus: {
      prometheusSpec: {
        replicas: ha ? 2 : 1,
        ...(ha
          ? { topologySpreadConstraints: zoneSpread({ "app.kubernetes.io/name": "prometheus" }) }
          : {}),
        retention: v.prometheus.retention,
        storageSpec: volumeClaim(v.storageClassName, v.prometheus.storageGiB),
        // Select every rule and monitor in the cluster, not only those labelled for this release.
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        additionalScrapeConfigs: pulumi.output(v.mskHosts).apply(mskScrapeConfigs),
      },
      ...(ha ? { podDisruptionBudget: { enabled: true, minAvailable: 1 } } : {}),
    },
    grafana: {
      // The password only through the Secret: `adminPassword` stays unset, so it never lands in
      // the release's values (stored in the cluster and in the Pulumi state in plain text).
      admin: {
        existingSecret: v.grafanaAdminSecretName,
        userKey: GRAFANA_ADMIN_USER_KEY,
        passwordKey: GRAFANA_ADMIN_PASSWORD_KEY,
      },
      // The logs datasource's password, from a Secret (grafana chart `envValueFrom`).
      envValueFrom: {
        [GRAFANA_ELASTICSEARCH_PASSWORD_ENV]: {
          secretKeyRef: { name: GRAFANA_ELASTICSEARCH_SECRET, key: "password" },
        },
      },
      sidecar: {
        dashboards: {
          enabled: true,
          label: "grafana_dashboard",
          labelValue: "1",
          searchNamespace: "ALL",
        },
        datasources: {
          enabled: true,
          uid: DATASOURCE_UIDS.prometheus,
          exemplarTraceIdDestinations: {
            datasourceUid: DATASOURCE_UIDS.jaeger,
            traceIdLabelName: "trace_id",
          },
        },
      },
      additionalDataSources: additionalDataSources(v),
    },
  };
}

/**
 * The CloudWatch metrics YACE exports, per namespace, with their statistics. Lag and disk usage are
 * point-in-time gauges, so the statistic over the period is Maximum; Sum would add up the
 * period's datapoints. Rules and dashboards use the Prometheus names {@link yaceMetricName} gives.
 */
export const YACE_METRICS: Readonly<Record<string, ReadonlyArray<[string, string[]]>>> = {
  "AWS/SQS": [
    ["ApproximateAgeOfOldestMessage", ["Maximum"]],
    ["ApproximateNumberOfMessagesVisible", ["Maximum"]],
    ["ApproximateNumberOfMessagesNotVisible", ["Maximum"]],
    ["NumberOfMessagesSent", ["Sum"]],
    ["NumberOfMessagesReceived", ["Sum"]],
    ["NumberOfMessagesDeleted", ["Sum"]],
  ],
  "AWS/Kafka": [
    ["EstimatedMaxTimeLag", ["Maximum"]],
    ["MaxOffsetLag", ["Maximum"]],
    ["SumOffsetLag", ["Maximum"]],
    ["KafkaDataLogsDiskUsed", ["Maximum"]],
  ],
};

/** YACE's `PromString`: separators to `_`, `%` to `_percent`, camelCase to snake_case. */
function yacePromString(text: string): string {
  let out = "";
  let prev = "";
  for (const c of text) {
    if (" ,\t/\\.-:=@<>()\u201c".includes(c)) out += "_";
    else if (c === "%") out += "_percent";
    else {
      const isUpper = c !== c.toLowerCase();
      if (isUpper && (/[a-z]/.test(prev) || /[0-9]/.test(prev))) out += "_";
      out += c.toLowerCase();
    }
    prev = c;
  }
  return out;
}

/**
 * The Prometheus name YACE gives a CloudWatch metric: a port of `BuildMetricName` in
 * pkg/promutil/migrate.go of YACE v0.67.0 (the pinned chart's appVersion), including its
 * dropping of a metric-name prefix that repeats the namespace (`AWS/Kafka` `KafkaDataLogsDiskUsed`
 * is `aws_kafka_data_logs_disk_used_maximum`).
 */
export function yaceMetricName(namespace: string, metric: string, statistic: string): string {
  const ns = yacePromString(namespace.replace(/^\//, "").toLowerCase());
  let name = yacePromString(metric);
  let skip = 0;
  for (const part of ns.split("_")) if (name.slice(skip).startsWith(part)) skip = part.length;
  name = name.slice(skip).replace(/^_/, "");
  return `${ns.startsWith("aws") ? "" : "aws_"}${ns}_${name}_${yacePromString(statistic)}`;
}

/** Every metric name the YACE configuration produces. */
export function yaceMetricNames(): string[] {
  return Object.entries(YACE_METRICS).flatMap(([namespace, metrics]) =>
    metrics.flatMap(([metric, statistics]) =>
      statistics.map((statistic) => yaceMetricName(namespace, metric, statistic)),
    ),
  );
}

/** The YACE configuration (the chart's `config`, YAML). */
export function yaceConfig(region: string): string {
  return stringify({
    apiVersion: "v1alpha1",
    "sts-region": region,
    discovery: {
      exportedTagsOnMetrics: { "AWS/SQS": ["Name"], "AWS/Kafka": ["Name"] },
      jobs: Object.entries(YACE_METRICS).map(([type, metrics]) => ({
        type,
        regions: [region],
        period: 300,
        length: 300,
        metrics: metrics.map(([name, statistics]) => ({ name, statistics })),
      })),
    },
  });
}

/** The uid of `nobody`, the user YACE's image runs as (prometheus busybox base). */
export const YACE_UID = 65534;

/** The Helm values of YACE. */
export function yaceValues(region: string) {
  return {
    serviceAccount: { create: true, name: YACE_SERVICE_ACCOUNT },
    // Credentials from Pod Identity through the SDK chain; no keys, no role to assume.
    serviceMonitor: { enabled: true, interval: "5m" },
    config: yaceConfig(region),
    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    securityContext: {
      runAsNonRoot: true,
      // The v0.67.0 image says `USER nobody` (its Dockerfile), a name: the kubelet cannot verify a
      // named user against runAsNonRoot and refuses the container. nobody's uid, stated.
      runAsUser: YACE_UID,
      runAsGroup: YACE_UID,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
  };
}

/**
 * YACE's grant: discovery through the tagging API and reads of CloudWatch metrics. These actions
 * have no resource-level permissions, hence `*`. `cloudwatch:GetMetricStatistics` is left out: YACE
 * uses it only for `static` jobs, and this configuration has discovery jobs only.
 */
export const YACE_POLICY: PolicyStatement[] = [
  {
    Sid: "ReadCloudWatchMetrics",
    Effect: "Allow",
    Action: ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "tag:GetResources"],
    Resource: "*",
  },
];

/**
 * The control plane's admin (metrics) ports as linkerd edge-26.8.3 names them
 * (charts/linkerd-control-plane/templates/destination.yaml: dest-admin, spval-admin, policy-admin;
 * identity.yaml: ident-admin; proxy-injector.yaml: injector-admin). The monitors check holds its
 * own reviewed copy of the chart's ports, so that this list is checked rather than trusted.
 */
export const LINKERD_CONTROL_PLANE_ADMIN_PORTS = [
  "dest-admin",
  "spval-admin",
  "policy-admin",
  "ident-admin",
  "injector-admin",
] as const;

/** Scrape objects for Linkerd (proxies and control plane), Argo Events workloads and cert-manager. */
export function podMonitors(namespace: string): Record<string, unknown>[] {
  const monitor = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name, namespace },
    spec,
  });
  // Relabelings as in Linkerd's "Bringing your own Prometheus" scrape config: namespace, pod and
  // the workload labels the proxy's metrics are grouped by.
  const podLabels = [
    { sourceLabels: ["__meta_kubernetes_namespace"], targetLabel: "namespace" },
    { sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "pod" },
    {
      action: "labelmap",
      regex: "__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)",
    },
  ];
  return [
    monitor("linkerd-proxy", {
      namespaceSelector: { any: true },
      selector: {
        matchExpressions: [{ key: "linkerd.io/control-plane-ns", operator: "Exists" }],
      },
      podMetricsEndpoints: [
        { port: "linkerd-admin", path: "/metrics", interval: "30s", relabelings: podLabels },
      ],
    }),
    monitor("linkerd-control-plane", {
      namespaceSelector: { matchNames: ["linkerd"] },
      selector: {
        matchExpressions: [{ key: "linkerd.io/control-plane-component", operator: "Exists" }],
      },
      // One endpoint per admin port: a pod without that port is dropped from that endpoint's job.
      podMetricsEndpoints: LINKERD_CONTROL_PLANE_ADMIN_PORTS.map((port) => ({
        port,
        path: "/metrics",
        interval: "30s",
      })),
    }),
    // EventSource and Sensor pods serve metrics on :7777 without a named port (Argo Events
    // "Metrics" docs); the controller's own metrics come from the argo-events chart's monitor.
    monitor("argo-events-workloads", {
      namespaceSelector: { any: true },
      selector: {
        matchExpressions: [
          {
            key: "controller",
            operator: "In",
            values: ["eventsource-controller", "sensor-controller"],
          },
        ],
      },
      podMetricsEndpoints: [{ portNumber: 7777, path: "/metrics", interval: "30s" }],
    }),
    monitor("cert-manager", {
      namespaceSelector: { matchNames: ["cert-manager"] },
      selector: { matchLabels: { "app.kubernetes.io/instance": "cert-manager" } },
      podMetricsEndpoints: [{ port: "http-metrics", path: "/metrics", interval: "60s" }],
    }),
  ];
}

/** The dashboards of `dashboards/*.json`, keyed by file name, sorted. */
export function dashboardFiles(dir = DASHBOARDS_DIR): Array<{ file: string; json: string }> {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({ file, json: fs.readFileSync(path.join(dir, file), "utf8") }));
}

/**
 * kube-prometheus-stack, YACE, scrape objects and dashboards in one namespace.
 *
 * - Grafana's admin password is a Pulumi secret written to a Kubernetes Secret, which the chart
 *   reads through `grafana.admin.existingSecret`.
 * - Prometheus selects every PrometheusRule, ServiceMonitor and PodMonitor in the cluster.
 * - YACE reads CloudWatch with a Pod Identity role that can only list and read metrics.
 */
export class Monitoring extends pulumi.ComponentResource {
  public readonly namespace: pulumi.Output<string>;
  public readonly release: k8s.helm.v3.Release;
  public readonly yaceRelease: k8s.helm.v3.Release;
  public readonly yaceRole: aws.iam.Role;
  /** Alertmanager's SNS publisher role, when `alertmanagerSns` is set. */
  public readonly alertmanagerRole?: aws.iam.Role;
  public readonly grafanaAdminSecretName: pulumi.Output<string>;
  /** The UIDs of the Grafana datasources, for dashboards elsewhere. */
  public readonly datasourceUids = DATASOURCE_UIDS;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything registers.
    throwIfInvalid("Monitoring", validateMonitoringArgs(args));
    super("acme:observability:Monitoring", name, {}, opts);
    // Waits for opts.dependsOn (the convention in components/lib/options.ts).
    const deps = dependenciesOf(opts);

    const namespaceName = args.namespace ?? "monitoring";
    const k8sOpts = { parent: this, provider: args.provider };

    const namespace = new k8s.core.v1.Namespace(
      name,
      // Not meshed: see MonitoringArgs.namespace.
      { metadata: { name: namespaceName, annotations: { "linkerd.io/inject": "disabled" } } },
      k8sOpts,
    );

    const adminSecret = new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: { name: "grafana-admin", namespace: namespace.metadata.name },
        type: "Opaque",
        stringData: {
          [GRAFANA_ADMIN_USER_KEY]: "admin",
          [GRAFANA_ADMIN_PASSWORD_KEY]: pulumi.secret(
            args.grafanaAdminPassword ??
              // Generated, never typed by a person. The stack program created it at the root
              // before the component owned it: the alias keeps an existing stack's password.
              new random.RandomPassword(
                "grafana-admin",
                { length: 32, special: false },
                {
                  parent: this,
                  aliases: [
                    pulumi.createUrn("grafana-admin", "random:index/randomPassword:RandomPassword"),
                  ],
                },
              ).result,
          ),
        },
      },
      k8sOpts,
    );

    const elasticsearchSecret = new k8s.core.v1.Secret(
      `${name}-grafana-elasticsearch`,
      {
        metadata: { name: GRAFANA_ELASTICSEARCH_SECRET, namespace: namespace.metadata.name },
        type: "Opaque",
        stringData: { password: pulumi.secret(args.elasticsearchAuth.password) },
      },
      k8sOpts,
    );

    for (const { file, json } of dashboardFiles()) {
      new k8s.core.v1.ConfigMap(
        `${name}-dashboard-${file.replace(/\.json$/, "")}`,
        {
          metadata: {
            name: `dashboard-${file.replace(/\.json$/, "")}`,
            namespace: namespace.metadata.name,
            labels: { grafana_dashboard: "1" },
          },
          data: { [file]: json },
        },
        k8sOpts,
      );
    }

    const mskHosts = pulumi.output(args.mskBrokers.bootstrapBrokers).apply(brokerHosts);

    // Alertmanager's SNS receivers sign with this role; its pods must start after the association.
    const alertmanagerIdentity: pulumi.Resource[] = [];
    if (args.alertmanagerSns) {
      const identity = podIdentityRole(
        `${name}-alertmanager`,
        {
          description: pulumi.interpolate`Alertmanager SNS publisher (${args.clusterName}/${namespaceName})`,
          accountId: args.accountId,
          clusterName: args.clusterName,
          namespace: namespaceName,
          serviceAccount: ALERTMANAGER_SERVICE_ACCOUNT,
          inlinePolicies: {
            [`${name}-alertmanager-sns`]: policyDocument(
              alertmanagerPolicy(args.alertmanagerSns, args.region),
            ),
          },
        },
        { parent: this },
      );
      this.alertmanagerRole = identity.role;
      alertmanagerIdentity.push(...identity.ready);
    }

    // Alertmanager mounts these; created here, in the namespace, before the release, so its pods
    // never wait for a Secret someone has to create by hand.
    const alertmanagerSecrets: k8s.core.v1.Secret[] = [];
    if (args.alertmanagerConfig) {
      alertmanagerSecrets.push(
        new k8s.core.v1.Secret(
          `${name}-alertmanager-config`,
          {
            metadata: {
              name: args.alertmanagerConfig.secretName,
              namespace: namespace.metadata.name,
            },
            type: "Opaque",
            stringData: { [ALERTMANAGER_CONFIG_KEY]: args.alertmanagerConfig.yaml },
          },
          // The stack program created this Secret itself before the component owned it: the
          // alias keeps an existing stack's Secret (same name) instead of replacing it, which
          // would fail on the name already taken.
          {
            ...k8sOpts,
            aliases: [
              pulumi.createUrn(args.alertmanagerConfig.secretName, "kubernetes:core/v1:Secret"),
            ],
          },
        ),
      );
    }
    const credentialsBySecret = new Map<string, Record<string, pulumi.Input<string>>>();
    for (const { ref, value } of args.alertmanagerCredentials ?? []) {
      credentialsBySecret.set(ref.name, {
        ...credentialsBySecret.get(ref.name),
        [ref.key]: pulumi.secret(value),
      });
    }
    for (const [secretName, stringData] of [...credentialsBySecret].sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      alertmanagerSecrets.push(
        new k8s.core.v1.Secret(
          `${name}-${secretName}`,
          {
            metadata: { name: secretName, namespace: namespace.metadata.name },
            type: "Opaque",
            stringData,
          },
          k8sOpts,
        ),
      );
    }

    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: KUBE_PROMETHEUS_STACK_RELEASE,
        chart: CHARTS.kubePrometheusStack.name,
        version: CHARTS.kubePrometheusStack.version,
        repositoryOpts: { repo: CHARTS.kubePrometheusStack.repo },
        namespace: namespace.metadata.name,
        values: kubePrometheusStackValues({
          highAvailability: args.highAvailability,
          prometheus: args.prometheus,
          storageClassName: args.storageClassName,
          grafanaAdminSecretName: adminSecret.metadata.name,
          alertmanagerConfigSecretName: args.alertmanagerConfig?.secretName,
          alertmanagerSecrets: [...credentialsBySecret.keys()].sort(),
          elasticsearchUrl: args.elasticsearchUrl,
          elasticsearchIndex: args.elasticsearchIndex ?? LOG_INDEX_PATTERN,
          elasticsearchUsername: args.elasticsearchAuth.username,
          elasticsearchCaPem: args.elasticsearchAuth.caPem,
          tracingQueryUrl: args.tracingQueryUrl,
          mskHosts,
        }),
      },
      {
        ...k8sOpts,
        dependsOn: [
          adminSecret,
          elasticsearchSecret,
          ...alertmanagerSecrets,
          ...alertmanagerIdentity,
          ...deps,
        ],
      },
    );

    // The CRDs come with the release, so the monitors wait for it.
    for (const m of podMonitors(namespaceName)) {
      new k8s.apiextensions.CustomResource(
        `${name}-${(m.metadata as { name: string }).name}`,
        m as k8s.apiextensions.CustomResourceArgs,
        { ...k8sOpts, dependsOn: [this.release] },
      );
    }

    const yaceIdentity = podIdentityRole(
      `${name}-yace`,
      {
        description: pulumi.interpolate`YACE CloudWatch reader (${args.clusterName}/${namespaceName})`,
        accountId: args.accountId,
        clusterName: args.clusterName,
        namespace: namespaceName,
        serviceAccount: YACE_SERVICE_ACCOUNT,
        inlinePolicies: { [`${name}-yace-cloudwatch`]: policyDocument(YACE_POLICY) },
      },
      { parent: this },
    );
    this.yaceRole = yaceIdentity.role;

    this.yaceRelease = new k8s.helm.v3.Release(
      `${name}-yace`,
      {
        name: YACE_RELEASE,
        chart: CHARTS.yace.name,
        version: CHARTS.yace.version,
        repositoryOpts: { repo: CHARTS.yace.repo },
        namespace: namespace.metadata.name,
        values: yaceValues(args.region),
      },
      // Pods get Pod Identity credentials only if the association existed when they started; the
      // ServiceMonitor needs the CRDs of the stack's release.
      { ...k8sOpts, dependsOn: [...yaceIdentity.ready, this.release] },
    );

    this.namespace = namespace.metadata.name;
    this.grafanaAdminSecretName = adminSecret.metadata.name;
    this.registerOutputs({
      namespace: this.namespace,
      yaceRoleArn: this.yaceRole.arn,
      grafanaAdminSecretName: this.grafanaAdminSecretName,
    });
  }
}
