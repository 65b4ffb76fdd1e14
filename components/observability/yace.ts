/**
 * yet-another-cloudwatch-exporter (YACE): the CloudWatch metrics of SQS and MSK as Prometheus
 * series. Its chart, values, configuration, metric naming and the Pod Identity role it reads
 * CloudWatch with; `Monitoring` installs it next to kube-prometheus-stack.
 */
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import {
  type AwsContext,
  CHARTS,
  policyDocument,
  podIdentityRole,
  type PolicyStatement,
} from "../lib";

/**
 * Value paths YACE reads but shows only in comments: `serviceMonitor.interval` (values.yaml,
 * "Set how frequently Prometheus should scrape"; templates/servicemonitor.yaml).
 */
export const YACE_FREE_FORM_VALUES = ["serviceMonitor.interval"] as const;

/** The Helm release name; resource names in the cluster derive from it. */
export const YACE_RELEASE = "yace";
/** The YACE service account, fixed so the Pod Identity association can name it. */
export const YACE_SERVICE_ACCOUNT = "yace";

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
    // Controller health (DEFAULT level, `Cluster Name`): KafkaOfflinePartitions and
    // KafkaNoActiveController read these, since a KRaft cluster's controllers are not scraped.
    ["OfflinePartitionsCount", ["Maximum"]],
    ["ActiveControllerCount", ["Maximum"]],
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

/** What {@link yaceExporter} needs. */
export interface YaceExporterArgs extends Pick<AwsContext, "accountId" | "region"> {
  /** The provider of the cluster. */
  provider: k8s.Provider;
  /** The namespace YACE runs in, as created (its name output). */
  namespace: pulumi.Input<string>;
  /** The same namespace's name, known before deployment (the Pod Identity trust names it). */
  namespaceName: string;
  /** The EKS cluster name, for the Pod Identity association. */
  clusterName: pulumi.Input<string>;
}

/**
 * YACE's Pod Identity role (named `name`, policy `<name>-cloudwatch`) and its release (`name`),
 * created under `opts.parent`. The release waits for the association (pods get Pod Identity
 * credentials only if it existed when they started) and for `opts.dependsOn` (the CRDs of its
 * ServiceMonitor).
 */
export function yaceExporter(
  name: string,
  args: YaceExporterArgs,
  opts: { parent: pulumi.Resource; dependsOn?: pulumi.Resource[] },
): { role: aws.iam.Role; release: k8s.helm.v3.Release } {
  const identity = podIdentityRole(
    name,
    {
      description: pulumi.interpolate`YACE CloudWatch reader (${args.clusterName}/${args.namespaceName})`,
      accountId: args.accountId,
      clusterName: args.clusterName,
      namespace: args.namespaceName,
      serviceAccount: YACE_SERVICE_ACCOUNT,
      inlinePolicies: { [`${name}-cloudwatch`]: policyDocument(YACE_POLICY) },
    },
    { parent: opts.parent },
  );
  const release = new k8s.helm.v3.Release(
    name,
    {
      name: YACE_RELEASE,
      chart: CHARTS.yace.name,
      version: CHARTS.yace.version,
      repositoryOpts: { repo: CHARTS.yace.repo },
      namespace: args.namespace,
      values: yaceValues(args.region),
    },
    // Pods get Pod Identity credentials only if the association existed when they started; the
    // ServiceMonitor needs the CRDs of the stack's release.
    {
      parent: opts.parent,
      provider: args.provider,
      dependsOn: [...identity.ready, ...(opts.dependsOn ?? [])],
    },
  );
  return { role: identity.role, release };
}
