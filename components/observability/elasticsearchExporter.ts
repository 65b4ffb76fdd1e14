/**
 * Elasticsearch metrics for Prometheus: prometheus-community's elasticsearch_exporter next to the
 * Logging component's Elasticsearch, scraped through a ServiceMonitor. It serves
 * `elasticsearch_cluster_health_status{cluster,color}`, which the `ElasticsearchClusterNotGreen`
 * alert (alertRules.ts) reads. No chart for it is in the pinned catalog, so the objects are plain
 * Kubernetes manifests, built by pure functions that the tests validate against the schemas.
 *
 * Upstream facts (tag v1.11.0, main.go): listens on :9114, metrics at /metrics, an always-200
 * `/healthz`; `--es.uri`, `--es.ca`, `--es.timeout`; basic auth only when both `ES_USERNAME` and
 * `ES_PASSWORD` are set. The image runs as `nobody` (65534) and writes nothing to disk.
 *
 * The exporter takes its /metrics credentials only from those two variables (or in `--es.uri`):
 * `--config.file` holds literal credentials and serves only the multi-target `/probe`. So the
 * user's Secret is mounted as files and {@link elasticsearchExporterCommand} reads them into the
 * exporter's own environment at start, through the image's busybox `sh` (Dockerfile:
 * `FROM quay.io/prometheus/busybox-linux-amd64:glibc`, binary `/bin/elasticsearch_exporter`):
 * nothing of them is in the pod spec, so `kubectl describe` and the API show a file path only.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  dependenciesOf,
  DNS_LABEL,
  DNS_LABEL_FORM,
  RESERVED_NAMESPACES,
  throwIfInvalid,
  type ValidationError,
  DNS_SUBDOMAIN,
} from "../lib";
import {
  BASIC_AUTH_PASSWORD_KEY,
  BASIC_AUTH_USERNAME_KEY,
  basicAuthSecretItems,
  ELASTIC_SUPERUSER_SECRET,
} from "./logging";

/** The exporter image, pinned to the verified release. */
export const ELASTICSEARCH_EXPORTER_IMAGE =
  "quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0";
/** The name of every object (ServiceAccount, Deployment, Service, ServiceMonitor). */
export const ELASTICSEARCH_EXPORTER_NAME = "elasticsearch-exporter";
/** The exporter's default listen port (`--web.listen-address` defaults to `:9114`). */
export const ELASTICSEARCH_EXPORTER_PORT = 9114;
/** The named port of the container and the Service; the ServiceMonitor scrapes it by name. */
export const ELASTICSEARCH_EXPORTER_PORT_NAME = "http-metrics";
/** Where the Elasticsearch HTTP CA secret is mounted; `--es.ca` points into it. */
export const ELASTICSEARCH_EXPORTER_CA_DIR = "/es-ca";
/** Elasticsearch's HTTP port (ECK's `<name>-es-http` Service). */
export const ELASTICSEARCH_HTTP_PORT = 9200;
/**
 * Where the exporter's basic-auth Secret (`credentialsSecretName`) is mounted, read-only: the
 * wrapper reads `username` and `password` from the files there.
 */
const ELASTICSEARCH_EXPORTER_CREDENTIALS_DIR = "/es-credentials";
/** The exporter binary in the image (its ENTRYPOINT, Dockerfile at v1.11.0). */
const ELASTICSEARCH_EXPORTER_BINARY = "/bin/elasticsearch_exporter";
/** The key of the CA in the ECK `<name>-es-http-certs-public` secret. */
export const ELASTICSEARCH_CA_KEY = "ca.crt";
/** The labels of every object; the Deployment, Service and ServiceMonitor select on them. */
export const ELASTICSEARCH_EXPORTER_LABELS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/name": ELASTICSEARCH_EXPORTER_NAME,
  "app.kubernetes.io/component": "metrics",
};

/** Arguments of {@link ElasticsearchExporter}; the Elasticsearch fields are `Logging`'s outputs. */
export interface ElasticsearchExporterArgs {
  /** The provider of the cluster (`EksCluster.kubernetesProvider`). */
  provider: k8s.Provider;
  /**
   * The namespace Elasticsearch runs in (`Logging.namespace`). The exporter is installed there,
   * since a pod can only read Secrets of its own namespace; the ServiceMonitor goes there too.
   */
  namespace: string;
  /** `https://<name>-es-http.<namespace>.svc:9200` (`Logging.elasticsearchUrl`). TLS only. */
  elasticsearchUrl: string;
  /**
   * The `kubernetes.io/basic-auth` Secret of the exporter's own Elasticsearch user (role
   * `acme_metrics`: `monitor` only), keys `username` and `password`
   * (`Logging.users.metrics.secretName`). Never the `elastic` superuser's.
   */
  credentialsSecretName: string;
  /** The ECK secret with the HTTP CA under `ca.crt` (`Logging.elasticsearchCaSecretName`). */
  caSecretName: string;
  /**
   * The namespace Prometheus runs in (`Monitoring.namespace`): the only one the NetworkPolicy lets
   * reach the exporter's port.
   */
  scrapeNamespace: pulumi.Input<string>;
}

/** Validates {@link ElasticsearchExporterArgs}; returns every problem. */
export function validateElasticsearchExporterArgs(
  args: ElasticsearchExporterArgs,
): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (!(args.provider instanceof k8s.Provider)) {
    add("provider", "must be a kubernetes Provider for the target cluster");
  }
  const ns = args.namespace;
  if (typeof ns !== "string" || !DNS_LABEL.test(ns)) {
    add(
      "namespace",
      `"${String(ns)}" is not a namespace name (${DNS_LABEL_FORM}); give Logging.namespace`,
    );
  } else if (RESERVED_NAMESPACES.includes(ns)) {
    add("namespace", `"${ns}" is shared by the cluster; give the namespace Elasticsearch runs in`);
  }
  let url: URL | undefined;
  try {
    url = new URL(String(args.elasticsearchUrl));
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "https:") {
    add(
      "elasticsearchUrl",
      `"${String(args.elasticsearchUrl)}" is not an https URL; TLS stays on, give Logging.elasticsearchUrl`,
    );
  } else if (url.username !== "" || url.password !== "") {
    add(
      "elasticsearchUrl",
      "must not carry credentials; the password is read from credentialsSecretName",
    );
  }
  for (const key of ["credentialsSecretName", "caSecretName"] as const) {
    if (typeof args[key] !== "string" || !DNS_SUBDOMAIN.test(args[key])) {
      add(key, `"${String(args[key])}" is not a Secret name; give Logging's Secret`);
    }
  }
  if (
    typeof args.credentialsSecretName === "string" &&
    ELASTIC_SUPERUSER_SECRET.test(args.credentialsSecretName)
  ) {
    add(
      "credentialsSecretName",
      "must not be the `elastic` superuser's ECK secret; give Logging.users.metrics.secretName",
    );
  }
  if (typeof args.scrapeNamespace === "string" && !DNS_LABEL.test(args.scrapeNamespace)) {
    add(
      "scrapeNamespace",
      `"${args.scrapeNamespace}" is not a namespace name (${DNS_LABEL_FORM}); give Monitoring.namespace`,
    );
  }
  return errors;
}

const metadata = (namespace: string) => ({
  name: ELASTICSEARCH_EXPORTER_NAME,
  namespace,
  labels: { ...ELASTICSEARCH_EXPORTER_LABELS },
});

/** The ServiceAccount: no API token, the exporter never talks to Kubernetes. */
export function elasticsearchExporterServiceAccount(namespace: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: metadata(namespace),
    automountServiceAccountToken: false,
  };
}

/** The exporter's command-line flags. */
export function elasticsearchExporterFlags(elasticsearchUrl: string): string[] {
  return [
    `--es.uri=${elasticsearchUrl}`,
    `--es.ca=${ELASTICSEARCH_EXPORTER_CA_DIR}/${ELASTICSEARCH_CA_KEY}`,
    // Below the ServiceMonitor's 10s scrape timeout, so a slow cluster yields a partial scrape
    // rather than a failed one.
    "--es.timeout=5s",
    // Nothing else: `--es.all`, `--es.indices` and `--es.shards` default to off, which keeps the
    // series to cluster health and the local node's stats. Boolean flags are kingpin's, which
    // rejects `--flag=false` ("unexpected false") and wants `--no-flag` to negate.
  ];
}

/**
 * The container's command: a POSIX `sh` that reads the user and password files into
 * `ES_USERNAME`/`ES_PASSWORD`, exports them to the exporter alone and `exec`s it with the
 * container's `args` (`"$@"`), so the exporter stays PID 1 and receives the kubelet's signals. A
 * missing file stops the container before the exporter starts (`set -eu`), which the pod's
 * restarts and `PrometheusTargetsDown` show, rather than an exporter scraping without auth.
 */
export function elasticsearchExporterCommand(): string[] {
  const file = (key: string) => `${ELASTICSEARCH_EXPORTER_CREDENTIALS_DIR}/${key}`;
  return [
    "/bin/sh",
    "-c",
    [
      "set -eu",
      `ES_USERNAME="$(cat ${file(BASIC_AUTH_USERNAME_KEY)})"`,
      `ES_PASSWORD="$(cat ${file(BASIC_AUTH_PASSWORD_KEY)})"`,
      "export ES_USERNAME ES_PASSWORD",
      `exec ${ELASTICSEARCH_EXPORTER_BINARY} "$@"`,
    ].join("\n"),
    // $0 of the script; the container's args follow as "$@".
    "elasticsearch_exporter",
  ];
}

/**
 * The Deployment. One replica: it only serves metrics, and a lost pod is visible, since its
 * target goes down and `PrometheusTargetsDown` (alertRules.ts) fires for the job.
 */
export function elasticsearchExporterDeployment(v: {
  namespace: string;
  elasticsearchUrl: string;
  credentialsSecretName: string;
  caSecretName: string;
}): Record<string, unknown> {
  const probe = (periodSeconds: number) => ({
    httpGet: { path: "/healthz", port: ELASTICSEARCH_EXPORTER_PORT_NAME },
    periodSeconds,
    timeoutSeconds: 2,
  });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: metadata(v.namespace),
    spec: {
      replicas: 1,
      selector: { matchLabels: { ...ELASTICSEARCH_EXPORTER_LABELS } },
      template: {
        metadata: { labels: { ...ELASTICSEARCH_EXPORTER_LABELS } },
        spec: {
          serviceAccountName: ELASTICSEARCH_EXPORTER_NAME,
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65534,
            runAsGroup: 65534,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "exporter",
              image: ELASTICSEARCH_EXPORTER_IMAGE,
              command: elasticsearchExporterCommand(),
              args: elasticsearchExporterFlags(v.elasticsearchUrl),
              // The exporter's own file-realm user, read-only (`monitor`), from its Secret's files
              // (see elasticsearchExporterCommand); no credential in `env`.
              ports: [
                {
                  name: ELASTICSEARCH_EXPORTER_PORT_NAME,
                  containerPort: ELASTICSEARCH_EXPORTER_PORT,
                  protocol: "TCP",
                },
              ],
              // `/healthz` answers 200 whenever the HTTP server runs; it does not reach
              // Elasticsearch, so an unhealthy cluster never restarts the exporter.
              livenessProbe: probe(20),
              readinessProbe: probe(10),
              resources: {
                requests: { cpu: "25m", memory: "64Mi" },
                limits: { memory: "128Mi" },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "es-ca", mountPath: ELASTICSEARCH_EXPORTER_CA_DIR, readOnly: true },
                {
                  name: "es-credentials",
                  mountPath: ELASTICSEARCH_EXPORTER_CREDENTIALS_DIR,
                  readOnly: true,
                },
              ],
            },
          ],
          volumes: [
            {
              name: "es-ca",
              secret: {
                secretName: v.caSecretName,
                items: [{ key: ELASTICSEARCH_CA_KEY, path: ELASTICSEARCH_CA_KEY }],
              },
            },
            {
              name: "es-credentials",
              secret: {
                secretName: v.credentialsSecretName,
                items: basicAuthSecretItems(),
              },
            },
          ],
        },
      },
    },
  };
}

/** The Service Prometheus discovers the pod through. */
export function elasticsearchExporterService(namespace: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadata(namespace),
    spec: {
      type: "ClusterIP",
      selector: { ...ELASTICSEARCH_EXPORTER_LABELS },
      ports: [
        {
          name: ELASTICSEARCH_EXPORTER_PORT_NAME,
          port: ELASTICSEARCH_EXPORTER_PORT,
          targetPort: ELASTICSEARCH_EXPORTER_PORT_NAME,
          protocol: "TCP",
        },
      ],
    },
  };
}

/**
 * The ServiceMonitor, in the exporter's namespace. kube-prometheus-stack runs with
 * `serviceMonitorSelectorNilUsesHelmValues: false` (monitoring.ts), so Prometheus selects it in
 * any namespace without a release label.
 */
export function elasticsearchExporterServiceMonitor(namespace: string): Record<string, unknown> {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: metadata(namespace),
    spec: {
      selector: { matchLabels: { ...ELASTICSEARCH_EXPORTER_LABELS } },
      namespaceSelector: { matchNames: [namespace] },
      endpoints: [
        {
          port: ELASTICSEARCH_EXPORTER_PORT_NAME,
          path: "/metrics",
          interval: "30s",
          scrapeTimeout: "10s",
        },
      ],
    },
  };
}

/**
 * The exporter's NetworkPolicy (the VPC CNI enforces them, components/cluster/eks.ts). In: only
 * Prometheus' namespace, only the metrics port. Out: only Elasticsearch's HTTP port in this
 * namespace and cluster DNS. The exporter holds its user's password and serves `/probe`, which
 * fetches any URL it is given; the policy keeps both inside that fence.
 */
export function elasticsearchExporterNetworkPolicy<N>(
  namespace: string,
  scrapeNamespace: N,
): Record<string, unknown> {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: metadata(namespace),
    spec: {
      podSelector: { matchLabels: { ...ELASTICSEARCH_EXPORTER_LABELS } },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": scrapeNamespace },
              },
            },
          ],
          ports: [{ protocol: "TCP", port: ELASTICSEARCH_EXPORTER_PORT }],
        },
      ],
      egress: [
        {
          to: [{ podSelector: { matchLabels: { "common.k8s.elastic.co/type": "elasticsearch" } } }],
          ports: [{ protocol: "TCP", port: ELASTICSEARCH_HTTP_PORT }],
        },
        {
          to: [
            {
              namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": "kube-system" },
              },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    },
  };
}

/**
 * elasticsearch_exporter for the Logging component's Elasticsearch: a token-less ServiceAccount,
 * a hardened single-replica Deployment reading its user and the ECK CA from their Secrets' files, a
 * Service, a ServiceMonitor and a NetworkPolicy, all in the Elasticsearch namespace.
 */
export class ElasticsearchExporter extends pulumi.ComponentResource {
  public readonly namespace: string;
  /** The Service's name (also the Prometheus `job` label, the ServiceMonitor's default). */
  public readonly serviceName: string;
  /** `http://<service>.<namespace>.svc:9114/metrics`. */
  public readonly metricsUrl: string;
  public readonly serviceAccount: k8s.core.v1.ServiceAccount;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  public readonly serviceMonitor: k8s.apiextensions.CustomResource;
  public readonly networkPolicy: k8s.networking.v1.NetworkPolicy;

  constructor(
    name: string,
    args: ElasticsearchExporterArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    throwIfInvalid("ElasticsearchExporter", validateElasticsearchExporterArgs(args));
    super("acme:observability:ElasticsearchExporter", name, {}, opts);
    // Waits for opts.dependsOn (the convention in components/lib/options.ts).
    const deps = dependenciesOf(opts);

    const ns = args.namespace;
    this.namespace = ns;
    this.serviceName = ELASTICSEARCH_EXPORTER_NAME;
    this.metricsUrl = `http://${ELASTICSEARCH_EXPORTER_NAME}.${ns}.svc:${ELASTICSEARCH_EXPORTER_PORT}/metrics`;
    const childOpts = { parent: this, provider: args.provider, dependsOn: deps };

    this.serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      elasticsearchExporterServiceAccount(ns) as k8s.core.v1.ServiceAccountArgs,
      childOpts,
    );
    // The builders return plain manifests, so the tests validate exactly what registers.
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      elasticsearchExporterDeployment({
        namespace: ns,
        elasticsearchUrl: args.elasticsearchUrl,
        credentialsSecretName: args.credentialsSecretName,
        caSecretName: args.caSecretName,
      }) as unknown as k8s.apps.v1.DeploymentArgs,
      { ...childOpts, dependsOn: [this.serviceAccount, ...childOpts.dependsOn] },
    );
    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      elasticsearchExporterService(ns) as k8s.core.v1.ServiceArgs,
      childOpts,
    );
    this.networkPolicy = new k8s.networking.v1.NetworkPolicy(
      `${name}-networkpolicy`,
      elasticsearchExporterNetworkPolicy(
        ns,
        args.scrapeNamespace,
      ) as k8s.networking.v1.NetworkPolicyArgs,
      childOpts,
    );
    this.serviceMonitor = new k8s.apiextensions.CustomResource(
      `${name}-servicemonitor`,
      elasticsearchExporterServiceMonitor(ns) as k8s.apiextensions.CustomResourceArgs,
      { ...childOpts, dependsOn: [this.service, ...childOpts.dependsOn] },
    );

    this.registerOutputs({
      namespace: this.namespace,
      serviceName: this.serviceName,
      metricsUrl: this.metricsUrl,
    });
  }
}
