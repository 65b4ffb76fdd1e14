/**
 * Metrics for the platform: kube-prometheus-stack (Prometheus, Alertmanager, Grafana) from the
 * pinned chart, composed with what the other modules own: the scrape objects of the mesh,
 * cert-manager, Argo Events and the MSK brokers (each exported by its own component's module),
 * YACE for the CloudWatch metrics of SQS and MSK (yace.ts), and Grafana's datasources and
 * dashboards (grafana.ts).
 */
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
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
  DNS_SUBDOMAIN,
} from "../lib";
import { certManagerPodMonitor } from "../mesh/certManager";
import { linkerdPodMonitors } from "../mesh/linkerd";
import { brokerHosts, mskScrapeConfigs } from "../messaging/kafka";
import { kedaPodMonitor } from "../platform/keda";
import { argoEventsPodMonitor } from "../workflows/argoEvents";
import type { AlertmanagerCredential } from "./alertmanager";
import { chartDefaultRulesValues, eksUnscrapeableComponentValues } from "./chartDefaultRules";
import {
  dashboardFiles,
  DATASOURCE_UIDS,
  GRAFANA_ADMIN_PASSWORD_KEY,
  GRAFANA_ADMIN_USER_KEY,
  GRAFANA_ELASTICSEARCH_PASSWORD_KEY,
  GRAFANA_ELASTICSEARCH_SECRET,
  GRAFANA_FREE_FORM_VALUES,
  grafanaValues,
} from "./grafana";
import { LOG_INDEX_PATTERN, logShippingPodMonitors } from "./logging";
import { yaceExporter } from "./yace";

/**
 * Value paths kube-prometheus-stack reads but does not default in values.yaml; `checkHelmValues`
 * accepts them and everything under them. `alertmanager.alertmanagerSpec.configSecret` is shown
 * only in a comment (values.yaml, "ConfigSecret is the name of a Kubernetes Secret ... mounted into
 * /etc/alertmanager/config"); the template copies it into the Alertmanager resource's
 * `spec.configSecret`, which the operator reads under the key `alertmanager.yaml`. The `grafana.*`
 * ones are Grafana's (grafana.ts).
 */
export const KUBE_PROMETHEUS_STACK_FREE_FORM_VALUES = [
  "alertmanager.alertmanagerSpec.configSecret",
  ...GRAFANA_FREE_FORM_VALUES,
] as const;

/** The Secret the Alertmanager operator reads its configuration from must hold this key. */
export const ALERTMANAGER_CONFIG_KEY = "alertmanager.yaml";
/**
 * The Secret holding Alertmanager's configuration. The stack program created it at the stack's
 * root under this name before Monitoring owned it; the component aliases that URN.
 */
export const ALERTMANAGER_CONFIG_SECRET = "alertmanager-config";

/** The Helm release name; resource names in the cluster derive from it. */
export const KUBE_PROMETHEUS_STACK_RELEASE = "kube-prometheus-stack";
/** Alertmanager's service account, fixed so the Pod Identity association can name it (SNS receivers sign with SigV4). */
export const ALERTMANAGER_SERVICE_ACCOUNT = "alertmanager";

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
  /**
   * Whether the stack runs Argo Events (the Argo workflow engine), whose workloads a PodMonitor
   * scrapes; a Step Functions stack has none.
   * @default true
   */
  argoEvents?: boolean;
  /**
   * The Logging component's namespace (`Logging.namespace`): Fluent Bit and Logstash there are
   * scraped by PodMonitors ({@link logShippingPodMonitors}). Without it the log path is not scraped.
   */
  loggingNamespace?: string;
  prometheus: PrometheusArgs;
  /**
   * The StorageClass of Prometheus' and Alertmanager's volumes. It must encrypt
   * (`EksCluster.defaultStorageClassName`, gp3 encrypted with the volumes key).
   */
  storageClassName: pulumi.Input<string>;
  /**
   * The Alertmanager configuration (`alertmanagerConfigYaml`), kept in a Secret of `secretName`
   * (default {@link ALERTMANAGER_CONFIG_SECRET}) under `alertmanager.yaml` that the component
   * creates before Alertmanager starts. When unset, the chart renders its default (null receiver)
   * configuration.
   */
  alertmanagerConfig?: { secretName?: string; yaml: pulumi.Input<string> };
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
    args.loggingNamespace !== undefined &&
    (typeof args.loggingNamespace !== "string" || !DNS_LABEL.test(args.loggingNamespace))
  ) {
    add(
      "loggingNamespace",
      `"${String(args.loggingNamespace)}" is not a namespace name; give Logging.namespace`,
    );
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
  const configSecret = args.alertmanagerConfig?.secretName;
  if (configSecret !== undefined && !DNS_SUBDOMAIN.test(configSecret)) {
    add(
      "alertmanagerConfig.secretName",
      `"${configSecret}" is not a Kubernetes Secret name (a DNS subdomain)`,
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
    grafana: grafanaValues(v),
  };
}

/**
 * The PodMonitors Monitoring creates in its namespace, each from the module of what it scrapes:
 * Linkerd (proxies and control plane), Argo Events workloads (when the stack runs them),
 * cert-manager, KEDA, and the log path (Fluent Bit and Logstash, when a logging namespace is given).
 */
export function podMonitors(
  namespace: string,
  options: { argoEvents?: boolean; loggingNamespace?: string } = {},
): Record<string, unknown>[] {
  return [
    ...linkerdPodMonitors(namespace),
    ...((options.argoEvents ?? true) ? [argoEventsPodMonitor(namespace)] : []),
    certManagerPodMonitor(namespace),
    kedaPodMonitor(namespace),
    ...(options.loggingNamespace !== undefined
      ? logShippingPodMonitors(namespace, options.loggingNamespace)
      : []),
  ];
}

/**
 * kube-prometheus-stack, YACE, scrape objects and dashboards in one namespace.
 *
 * - Grafana's admin password is generated here (random, kept encrypted in the Pulumi state) and
 *   written to a Kubernetes Secret, which the chart reads through `grafana.admin.existingSecret`.
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

    // Generated, never typed by a person; Pulumi keeps it encrypted in state. The stack program
    // generated it at the stack's root (as "grafana-admin") before the component owned it: the
    // alias keeps that password instead of generating a new one, which Grafana, having stored the
    // first one at its first start, would not take.
    const adminPassword = new random.RandomPassword(
      `${name}-grafana-admin`,
      { length: 32, special: false },
      {
        parent: this,
        aliases: [pulumi.createUrn("grafana-admin", "random:index/randomPassword:RandomPassword")],
      },
    );
    const adminSecret = new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: { name: "grafana-admin", namespace: namespace.metadata.name },
        type: "Opaque",
        stringData: {
          [GRAFANA_ADMIN_USER_KEY]: "admin",
          [GRAFANA_ADMIN_PASSWORD_KEY]: pulumi.secret(adminPassword.result),
        },
      },
      k8sOpts,
    );

    const elasticsearchSecret = new k8s.core.v1.Secret(
      `${name}-grafana-elasticsearch`,
      {
        metadata: { name: GRAFANA_ELASTICSEARCH_SECRET, namespace: namespace.metadata.name },
        type: "Opaque",
        stringData: {
          [GRAFANA_ELASTICSEARCH_PASSWORD_KEY]: pulumi.secret(args.elasticsearchAuth.password),
        },
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
    const alertmanagerConfigSecretName = args.alertmanagerConfig
      ? (args.alertmanagerConfig.secretName ?? ALERTMANAGER_CONFIG_SECRET)
      : undefined;
    if (args.alertmanagerConfig && alertmanagerConfigSecretName) {
      alertmanagerSecrets.push(
        new k8s.core.v1.Secret(
          `${name}-alertmanager-config`,
          {
            metadata: {
              name: alertmanagerConfigSecretName,
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
            aliases: [pulumi.createUrn(alertmanagerConfigSecretName, "kubernetes:core/v1:Secret")],
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
          alertmanagerConfigSecretName,
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
    for (const m of podMonitors(namespaceName, {
      argoEvents: args.argoEvents,
      loggingNamespace: args.loggingNamespace,
    })) {
      new k8s.apiextensions.CustomResource(
        `${name}-${(m.metadata as { name: string }).name}`,
        m as k8s.apiextensions.CustomResourceArgs,
        { ...k8sOpts, dependsOn: [this.release] },
      );
    }

    const yace = yaceExporter(
      `${name}-yace`,
      {
        provider: args.provider,
        namespace: namespace.metadata.name,
        namespaceName,
        clusterName: args.clusterName,
        accountId: args.accountId,
        region: args.region,
      },
      { parent: this, dependsOn: [this.release] },
    );
    this.yaceRole = yace.role;
    this.yaceRelease = yace.release;

    this.namespace = namespace.metadata.name;
    this.grafanaAdminSecretName = adminSecret.metadata.name;
    this.registerOutputs({
      namespace: this.namespace,
      yaceRoleArn: this.yaceRole.arn,
      grafanaAdminSecretName: this.grafanaAdminSecretName,
    });
  }
}
