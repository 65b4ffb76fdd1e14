/**
 * Logs on ECK: the Elastic operator watching one namespace, an Elasticsearch cluster with TLS on
 * the encrypted StorageClass, Kibana, a Logstash pipeline that turns JSON container logs into
 * `service`, `namespace` and `trace_id` fields, and Fluent Bit on every node shipping container
 * logs to Logstash. Log retention is an ILM policy applied by a Job; trace retention is Jaeger's
 * own es-index-cleaner, which the Tracing component runs (see {@link JAEGER_INDEX_PREFIX}).
 *
 * The stack's own clients (the retention Job, Jaeger, its index cleaner, elasticsearch_exporter)
 * never use the `elastic` superuser: each has a file-realm user of its own, with a generated password and one
 * least-privilege role ({@link ELASTICSEARCH_CLIENTS}). ECK reads the users from
 * `kubernetes.io/basic-auth` Secrets (`spec.auth.fileRealm`) and the roles from a `roles.yml`
 * Secret (`spec.auth.roles`), and hashes the passwords itself. No credential ever appears in Helm
 * values or CR specs. Kibana and Logstash keep the users ECK creates for their elasticsearchRefs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import {
  CHARTS,
  dependenciesOf,
  DNS_LABEL,
  DNS_LABEL_FORM,
  RESERVED_NAMESPACES,
  throwIfInvalid,
  type ValidationError,
} from "../lib";

/**
 * The Elastic Stack version of Elasticsearch, Kibana and Logstash. ECK 3.5 manages 8.x and 9.x;
 * 8.19 is the last 8.x minor, kept until the pinned Jaeger's Elasticsearch 9 support is verified
 * (docs/observability-logs-traces.md).
 */
export const ELASTIC_STACK_VERSION = "8.19.7";

/** Image of the retention Job (curl only). */
export const RETENTION_JOB_IMAGE = "curlimages/curl:8.17.0";

/** Value paths the charts read but do not default; none are needed today. */
export const ECK_OPERATOR_FREE_FORM_VALUES = [] as const;
export const FLUENT_BIT_FREE_FORM_VALUES = [] as const;

/** The Logstash HTTP input Fluent Bit posts to. */
export const LOGSTASH_HTTP_PORT = 8080;

/**
 * The Helm release of Fluent Bit. The chart (fluent/helm-charts @ fluent-bit-0.58.1,
 * charts/fluent-bit/templates/_helpers.tpl lines 49-52) labels its pods
 * `app.kubernetes.io/name: fluent-bit` and `app.kubernetes.io/instance: <release>`.
 */
const FLUENT_BIT_RELEASE = "fluent-bit";
/**
 * Fluent Bit's metrics: the chart keeps the HTTP server on (`config.service`, `HTTP_Server On`,
 * `HTTP_Port {{ .Values.metricsPort }}`) and names that container port `http` (_pod.tpl lines
 * 71-74). The v2 endpoint serves the cmetrics of every plugin instance, labelled `name` (its
 * `Alias`): `fluentbit_output_*` (src/flb_output.c lines 1503-1556 at v5.1.1, the chart's
 * appVersion) and `fluentbit_input_ingestion_paused` (src/flb_input.c lines 1678-1685).
 */
const FLUENT_BIT_METRICS = { port: "http", path: "/api/v2/metrics/prometheus" } as const;
/** The `Alias` of Fluent Bit's tail input and http output: the `name` label of their metrics. */
export const FLUENT_BIT_INPUT_ALIAS = "containers";
export const FLUENT_BIT_OUTPUT_ALIAS = "logstash";

/**
 * Logstash has no Prometheus endpoint: kuskoman/logstash-exporter runs beside it in each pod and
 * turns the monitoring API's node stats into `logstash_*` metrics. v1.9.1 is the newest release
 * (v2 is still a pre-release). Its image is `FROM scratch`, user 65534.
 */
const LOGSTASH_EXPORTER_IMAGE = "kuskoman/logstash-exporter:v1.9.1";
/** The exporter's container port (its default `PORT`) and that port's name, which the PodMonitor scrapes. */
const LOGSTASH_EXPORTER_PORT = 9198;
const LOGSTASH_EXPORTER_PORT_NAME = "metrics";
/**
 * The Logstash monitoring API, which ECK (3.5, pkg/controller/logstash/config.go `tlsConfig`)
 * serves over TLS with a self-signed certificate for the API Service's names.
 */
const LOGSTASH_API_PORT = 9600;
/** The id of the one Logstash pipeline: the `pipeline` label of its metrics. */
export const LOGSTASH_PIPELINE_ID = "containers";
/** The `id` of the pipeline's Elasticsearch output: the `plugin_id` label of its metrics. */
export const LOGSTASH_ELASTICSEARCH_OUTPUT_ID = "elasticsearch";
/** The names of the two PodMonitors of the log path (Prometheus jobs `<monitoring ns>/<name>`). */
const LOG_SHIPPING_POD_MONITORS = { fluentBit: "fluent-bit", logstash: "logstash" } as const;
/** The data stream logs land in (`logs-<dataset>-<namespace>`). */
export const LOG_DATA_STREAM = "logs-acme-default";
/** The log data streams the acme-logs template and policy cover (and the ILM role manages). */
export const LOG_INDEX_PATTERN = "logs-acme-*";

/**
 * The `indices.index_prefix` the Tracing component gives Jaeger. Jaeger v2.19.0 joins it to its
 * base names with `-` (`IndexPrefix.Apply`, internal/storage/elasticsearch/config/config.go) and
 * appends the day (`IndexWithDate`, internal/storage/elasticsearch/indices/time_range.go), so its
 * indices are `jaeger-jaeger-span-YYYY-MM-DD`, `jaeger-jaeger-service-…`,
 * `jaeger-jaeger-dependencies-…`, `jaeger-jaeger-sampling-…`. The index cleaner's role is scoped to
 * exactly that family ({@link JAEGER_CLEANER_INDEX_PATTERN}).
 */
export const JAEGER_INDEX_PREFIX = "jaeger";
/**
 * Every index Jaeger writes under {@link JAEGER_INDEX_PREFIX}. It is also what the es-index-cleaner
 * lists: `GET <prefix>-jaeger-*` (`IndicesClient.GetJaegerIndices`,
 * internal/storage/elasticsearch/client/index_client.go, with `INDEX_PREFIX` + `-`).
 */
export const JAEGER_CLEANER_INDEX_PATTERN = `${JAEGER_INDEX_PREFIX}-jaeger-*`;

/**
 * Replicas of each index the stack creates (the logs' template here, Jaeger's index templates in
 * Tracing through {@link Logging.indexReplicas}): one when another data node can hold it, none on
 * a single node. Elasticsearch never allocates a replica on the node that holds its primary, so
 * replicas above `dataNodes - 1` stay unassigned and the cluster yellow for good
 * (ElasticsearchClusterNotGreen); its default, and Jaeger's, is 1. One replica, not
 * `dataNodes - 1`, on 3 or 5 nodes: it survives the loss of a node (of a zone, with the zone
 * anti-affinity) at half the disk of two.
 *
 * @throws when `dataNodes` is not a whole number of at least 1, naming it.
 */
export function elasticsearchIndexReplicas(dataNodes: number): number {
  if (typeof dataNodes !== "number" || !Number.isInteger(dataNodes) || dataNodes < 1) {
    throw new Error(
      `elasticsearchIndexReplicas: dataNodes must be a whole number of at least 1 (LoggingArgs.nodeCount); got ${String(dataNodes)}`,
    );
  }
  return Math.min(1, dataNodes - 1);
}

/** The clients of Elasticsearch that get a file-realm user of their own. */
export type ElasticsearchClient = "metrics" | "jaeger" | "traceCleaner" | "ilm" | "grafana";

/**
 * Each client's user, role and Secret. ECK (3.x, `pkg/controller/elasticsearch/user/
 * user_provided.go`) reads a file-realm Secret with both `username` and `password` keys as one
 * user, splits its optional `roles` key on commas, and hashes the password itself (bcrypt, reused
 * while the password is unchanged). The Secret names avoid ECK's own `<name>-es-*` names.
 */
export const ELASTICSEARCH_CLIENTS: Readonly<
  Record<ElasticsearchClient, { username: string; role: string; secretName: string }>
> = {
  metrics: { username: "acme-metrics", role: "acme_metrics", secretName: "acme-es-metrics-user" },
  jaeger: { username: "acme-jaeger", role: "acme_jaeger", secretName: "acme-es-jaeger-user" },
  traceCleaner: {
    username: "acme-trace-cleaner",
    role: "acme_trace_cleaner",
    secretName: "acme-es-trace-cleaner-user",
  },
  ilm: { username: "acme-ilm", role: "acme_ilm", secretName: "acme-es-ilm-user" },
  grafana: { username: "acme-grafana", role: "acme_grafana", secretName: "acme-es-grafana-user" },
};
/**
 * The Secret holding the CA of Elasticsearch's HTTP layer under `ca.crt`/`ca.key`. With both keys
 * and no `tls.*`, ECK (3.x, pkg/controller/common/certificates/secret.go `HasCAPrivateKey`,
 * `parseCustomCA`) issues and renews the HTTP certificates from this CA instead of its own, and
 * still publishes `<name>-es-http-certs-public`. The stack generates the CA, so its certificate is
 * known at deploy time and clients outside the namespace (Grafana) can trust it without reading
 * a Secret there.
 */
export const ELASTICSEARCH_HTTP_CA_SECRET_NAME = "acme-es-http-ca";
/** Validity of the HTTP CA: ten years; ECK renews the leaf certificates it signs on its own. */
export const ELASTICSEARCH_HTTP_CA_VALIDITY_HOURS = 10 * 365 * 24;
/** The Secret holding {@link elasticsearchRolesYaml} under `roles.yml` (`spec.auth.roles`). */
export const ELASTICSEARCH_ROLES_SECRET_NAME = "acme-es-roles";
/** ECK's `<name>-es-elastic-user` Secret: the superuser's password, which no client gets. */
export const ELASTIC_SUPERUSER_SECRET = /-es-elastic-user$/;
/** The keys of a `kubernetes.io/basic-auth` Secret, which ECK and the clients read. */
export const BASIC_AUTH_USERNAME_KEY = "username";
export const BASIC_AUTH_PASSWORD_KEY = "password";
/**
 * The `items` of a `secret` volume of such a Secret for a client that reads its credentials from
 * files: the user name and password, each as a file named after its key.
 */
export function basicAuthSecretItems(): Array<{ key: string; path: string }> {
  return [BASIC_AUTH_USERNAME_KEY, BASIC_AUTH_PASSWORD_KEY].map((key) => ({ key, path: key }));
}

/** Where a client finds its user: a `kubernetes.io/basic-auth` Secret in the logging namespace. */
export interface ElasticsearchUserRef {
  /** The Secret's name; the pod must run in the Elasticsearch namespace to read it. */
  secretName: string;
  /** The user's name (also in the Secret under {@link usernameKey}). */
  username: string;
  usernameKey: typeof BASIC_AUTH_USERNAME_KEY;
  passwordKey: typeof BASIC_AUTH_PASSWORD_KEY;
}

/**
 * The roles of the clients, in Elasticsearch's file-realm `roles.yml` format (ECK merges it with
 * its own roles; `spec.auth.roles`, key `roles.yml`). Each privilege is one the client's requests
 * need, no more:
 *
 * - `acme_metrics` (elasticsearch_exporter): `monitor` on the cluster for `GET /`,
 *   `_cluster/health` and `_nodes/_local/stats`; `monitor` on every index, for index stats if
 *   `--es.indices` is ever turned on. Read-only, no document access.
 * - `acme_jaeger` (Jaeger v2 Elasticsearch storage, jaeger v2.19.0): cluster `monitor`, since the
 *   client pings `GET /` (`cluster:monitor/main`) to detect the version when `version` is unset and
 *   for its health check; cluster `manage_index_templates`, since `create_mappings` defaults to
 *   true and it puts composable templates `<prefix>jaeger-span`/`-service` at every start (ES 8:
 *   `PUT _index_template`). On {@link JAEGER_CLEANER_INDEX_PATTERN} (all its indices):
 *   `create_index` (the bulk writer auto-creates the daily indices), `write` (bulk index), `read`
 *   (`_search`/`_msearch` of the UI). No `manage` and no
 *   `delete_index`: rollover and aliases are off, and deletion is the index cleaner's.
 * - `acme_trace_cleaner` (Jaeger's es-index-cleaner, jaeger v2.19.0 cmd/es-index-cleaner/main.go):
 *   it makes exactly two kinds of request (internal/storage/elasticsearch/client/index_client.go),
 *   both on {@link JAEGER_CLEANER_INDEX_PATTERN} only. `view_index_metadata` for
 *   `GET <prefix>-jaeger-*?flat_settings=true&filter_path=*.aliases,*.settings` (the get-index API,
 *   `indices:admin/get`; it reads each index's `index.creation_date` and aliases); `delete_index`
 *   for `DELETE <index>,<index>,…?master_timeout=…&ignore_unavailable=true` (explicit names, so
 *   `action.destructive_requires_name` is satisfied). No cluster privilege: the cleaner never calls
 *   `GET /`, `_cat` or `_cluster`. No `monitor`, `read` or `write`: it touches no documents or stats.
 * - `acme_grafana` (Grafana's logs datasource, read-only): cluster `monitor` for `GET /` (the
 *   datasource reads the version); `read` (`_msearch`, `_search`) and `view_index_metadata`
 *   (`_mapping`, field discovery) on {@link LOG_INDEX_PATTERN} only: no trace index, no write.
 * - `acme_ilm` (the retention Job, logs only): cluster `monitor` for `_cluster/health`,
 *   `manage_ilm` for `PUT _ilm/policy`, `manage_index_templates` for `PUT _index_template`. `manage`
 *   on the log data stream, because putting a policy requires it there and ILM then runs the
 *   policy's delete phase as the user who last put it. Privileges on a data stream name cover its
 *   `.ds-` indices. Nothing on Jaeger's indices.
 */
export function elasticsearchRolesYaml(): string {
  return [
    "acme_metrics:",
    "  cluster: [ 'monitor' ]",
    "  indices:",
    "    - names: [ '*' ]",
    "      privileges: [ 'monitor' ]",
    "acme_jaeger:",
    "  cluster: [ 'monitor', 'manage_index_templates' ]",
    "  indices:",
    `    - names: [ '${JAEGER_CLEANER_INDEX_PATTERN}' ]`,
    "      privileges: [ 'create_index', 'write', 'read' ]",
    "acme_trace_cleaner:",
    "  indices:",
    `    - names: [ '${JAEGER_CLEANER_INDEX_PATTERN}' ]`,
    "      privileges: [ 'view_index_metadata', 'delete_index' ]",
    "acme_ilm:",
    "  cluster: [ 'monitor', 'manage_ilm', 'manage_index_templates' ]",
    "  indices:",
    `    - names: [ '${LOG_INDEX_PATTERN}' ]`,
    "      privileges: [ 'manage' ]",
    "acme_grafana:",
    "  cluster: [ 'monitor' ]",
    "  indices:",
    `    - names: [ '${LOG_INDEX_PATTERN}' ]`,
    "      privileges: [ 'read', 'view_index_metadata' ]",
    "",
  ].join("\n");
}

/** The roles Secret `spec.auth.roles` references. */
export function elasticsearchRolesSecret(namespace: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: ELASTICSEARCH_ROLES_SECRET_NAME, namespace },
    type: "Opaque",
    stringData: { "roles.yml": elasticsearchRolesYaml() },
  };
}

/**
 * One client's file-realm user: a `kubernetes.io/basic-auth` Secret with `username`, `password`
 * and `roles` (the one role, ECK's comma-separated list). The password is an input so that a
 * generated, secret one goes straight in.
 */
export function elasticsearchUserSecret<P>(
  client: ElasticsearchClient,
  namespace: string,
  password: P,
): Record<string, unknown> {
  const c = ELASTICSEARCH_CLIENTS[client];
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: c.secretName, namespace },
    type: "kubernetes.io/basic-auth",
    stringData: {
      [BASIC_AUTH_USERNAME_KEY]: c.username,
      [BASIC_AUTH_PASSWORD_KEY]: password,
      roles: c.role,
    },
  };
}

/** Arguments of {@link Logging}. */
export interface LoggingArgs {
  /** The provider of the cluster (`EksCluster.kubernetesProvider`). */
  provider: k8s.Provider;
  /**
   * The namespace created for the operator and the stack. The operator watches only this one.
   * @default "logging"
   */
  namespace?: string;
  /**
   * Elasticsearch data nodes (each also master-eligible). 3 in prod so a zone can be lost; 1 in
   * dev, where the indices then have no replicas ({@link elasticsearchIndexReplicas}).
   */
  nodeCount: number;
  /** Two Kibana and two Logstash replicas, spread over zones, when true. */
  highAvailability: boolean;
  /** The encrypted StorageClass of the Elasticsearch volumes (e.g. `gp3-encrypted`). */
  storageClassName: string;
  /** Size of each Elasticsearch node's volume, in GiB. */
  storageGiB: number;
  /**
   * Days log data streams are kept before ILM deletes them. Trace retention is not here: it is
   * `Tracing`'s `traceRetentionDays`, applied by Jaeger's es-index-cleaner.
   */
  retentionDays: number;
}

/** Validates {@link LoggingArgs}; returns every problem. */
export function validateLoggingArgs(args: LoggingArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  const wholeAtLeast = (path: string, value: unknown, min: number, unit: string) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      add(path, `must be a whole number of ${unit}, at least ${min}; got ${String(value)}`);
    }
  };
  if (!(args.provider instanceof k8s.Provider)) {
    add("provider", "must be a kubernetes Provider for the target cluster");
  }
  const ns = args.namespace ?? "logging";
  if (typeof ns !== "string" || !DNS_LABEL.test(ns)) {
    add("namespace", `"${String(ns)}" is not a namespace name; use ${DNS_LABEL_FORM}`);
  } else if (RESERVED_NAMESPACES.includes(ns)) {
    add("namespace", `"${ns}" is shared by the cluster; give logging its own namespace`);
  }
  if (args.nodeCount !== 1 && args.nodeCount !== 3 && args.nodeCount !== 5) {
    add(
      "nodeCount",
      `must be 1 (dev) or an odd quorum of 3 or 5 master-eligible nodes; got ${String(args.nodeCount)}`,
    );
  }
  if (typeof args.highAvailability !== "boolean") add("highAvailability", "must be true or false");
  if (args.highAvailability === true && args.nodeCount === 1) {
    add("nodeCount", "highAvailability needs at least 3 Elasticsearch nodes");
  }
  if (typeof args.storageClassName !== "string" || !DNS_LABEL.test(args.storageClassName)) {
    add("storageClassName", `"${String(args.storageClassName)}" is not a StorageClass name`);
  }
  wholeAtLeast("storageGiB", args.storageGiB, 10, "GiB");
  wholeAtLeast("retentionDays", args.retentionDays, 1, "days");
  return errors;
}

const ZONE_ANTI_AFFINITY = (selector: Record<string, string>) => ({
  podAntiAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: [
      {
        weight: 100,
        podAffinityTerm: {
          topologyKey: "topology.kubernetes.io/zone",
          labelSelector: { matchLabels: selector },
        },
      },
    ],
  },
});

/** Helm values of the ECK operator: namespaced watch, CRDs from the chart. */
export function eckOperatorValues(namespace: string): Record<string, unknown> {
  return {
    installCRDs: true,
    // Reconcile only the logging namespace; the CRDs and the webhook stay cluster-scoped.
    managedNamespaces: [namespace],
    createClusterScopedResources: true,
    telemetry: { disabled: true },
    resources: { requests: { cpu: "100m", memory: "150Mi" }, limits: { memory: "1Gi" } },
  };
}

/** The Elasticsearch custom resource. */
export function elasticsearchManifest(v: {
  name: string;
  namespace: string;
  nodeCount: number;
  storageClassName: string;
  storageGiB: number;
}): Record<string, unknown> {
  const clients = Object.values(ELASTICSEARCH_CLIENTS);
  return {
    apiVersion: "elasticsearch.k8s.elastic.co/v1",
    kind: "Elasticsearch",
    metadata: { name: v.name, namespace: v.namespace },
    spec: {
      version: ELASTIC_STACK_VERSION,
      // The clients' roles and users (ECK aggregates them into the file realm of every node).
      // The `elastic` user stays, for people: ECK's own Kibana/Logstash users do not need it.
      auth: {
        roles: [{ secretName: ELASTICSEARCH_ROLES_SECRET_NAME }],
        fileRealm: clients.map((c) => ({ secretName: c.secretName })),
      },
      // TLS on the HTTP layer, certificates issued and renewed by ECK from the stack's CA
      // ({@link ELASTICSEARCH_HTTP_CA_SECRET_NAME}); ECK's own names cover the service.
      http: { tls: { certificate: { secretName: ELASTICSEARCH_HTTP_CA_SECRET_NAME } } },
      // Volumes go on scale-down, but survive deletion of the cluster (the data is kept).
      volumeClaimDeletePolicy: "DeleteOnScaledownOnly",
      nodeSets: [
        {
          name: "default",
          count: v.nodeCount,
          config: {
            "node.roles": ["master", "data", "ingest"],
            // No privileged init container to raise vm.max_map_count: mmap off avoids needing it.
            "node.store.allow_mmap": false,
          },
          podTemplate: {
            spec: {
              containers: [
                {
                  name: "elasticsearch",
                  resources: {
                    requests: { cpu: "500m", memory: "4Gi" },
                    limits: { memory: "4Gi" },
                  },
                },
              ],
              ...(v.nodeCount > 1
                ? {
                    affinity: ZONE_ANTI_AFFINITY({
                      "elasticsearch.k8s.elastic.co/cluster-name": v.name,
                    }),
                  }
                : {}),
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "elasticsearch-data" },
              spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: v.storageClassName,
                resources: { requests: { storage: `${v.storageGiB}Gi` } },
              },
            },
          ],
        },
      ],
    },
  };
}

/** The Kibana custom resource (TLS by ECK, credentials by the elasticsearchRef). */
export function kibanaManifest(v: {
  name: string;
  namespace: string;
  elasticsearchName: string;
  count: number;
}): Record<string, unknown> {
  return {
    apiVersion: "kibana.k8s.elastic.co/v1",
    kind: "Kibana",
    metadata: { name: v.name, namespace: v.namespace },
    spec: {
      version: ELASTIC_STACK_VERSION,
      count: v.count,
      elasticsearchRef: { name: v.elasticsearchName },
      podTemplate: {
        spec: {
          containers: [
            {
              name: "kibana",
              resources: { requests: { cpu: "200m", memory: "1Gi" }, limits: { memory: "1Gi" } },
            },
          ],
        },
      },
    },
  };
}

/**
 * The Logstash pipeline. Fluent Bit posts JSON batches; the container's log line is parsed as JSON
 * when it is JSON, then `service`, `namespace` and `trace_id` are set from the Kubernetes metadata
 * and the application's fields (a W3C `traceparent` yields the trace id too).
 */
export function logstashPipeline(): string {
  return [
    "input {",
    `  http { id => "fluent-bit" port => ${LOGSTASH_HTTP_PORT} codec => json }`,
    "}",
    "filter {",
    '  json { source => "log" target => "app" skip_on_invalid_json => true }',
    '  mutate { add_field => { "namespace" => "%{[kubernetes][namespace_name]}" } }',
    '  if [app][service] { mutate { add_field => { "service" => "%{[app][service]}" } } }',
    '  else if [kubernetes][labels][app.kubernetes.io/name] { mutate { add_field => { "service" => "%{[kubernetes][labels][app.kubernetes.io/name]}" } } }',
    '  else { mutate { add_field => { "service" => "%{[kubernetes][container_name]}" } } }',
    '  if [app][trace_id] { mutate { add_field => { "trace_id" => "%{[app][trace_id]}" } } }',
    "  else if [app][traceparent] {",
    '    grok { match => { "[app][traceparent]" => "^[0-9a-f]{2}-(?<trace_id>[0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$" } tag_on_failure => [] }',
    "  }",
    '  if [app][message] { mutate { replace => { "message" => "%{[app][message]}" } } }',
    '  else { mutate { rename => { "log" => "message" } } }',
    '  date { match => ["time", "ISO8601"] remove_field => ["time"] }',
    "}",
    "output {",
    "  elasticsearch {",
    `    id => "${LOGSTASH_ELASTICSEARCH_OUTPUT_ID}"`,
    '    hosts => ["${LOGS_ES_HOSTS}"]',
    '    user => "${LOGS_ES_USER}"',
    '    password => "${LOGS_ES_PASSWORD}"',
    "    ssl_enabled => true",
    '    ssl_certificate_authorities => "${LOGS_ES_SSL_CERTIFICATE_AUTHORITY}"',
    "    data_stream => true",
    '    data_stream_type => "logs"',
    '    data_stream_dataset => "acme"',
    '    data_stream_namespace => "default"',
    "  }",
    "}",
    "",
  ].join("\n");
}

/** The Logstash custom resource; ECK injects `LOGS_ES_*` from the elasticsearchRef. */
export function logstashManifest(v: {
  name: string;
  namespace: string;
  elasticsearchName: string;
  count: number;
}): Record<string, unknown> {
  return {
    apiVersion: "logstash.k8s.elastic.co/v1alpha1",
    kind: "Logstash",
    metadata: { name: v.name, namespace: v.namespace },
    spec: {
      version: ELASTIC_STACK_VERSION,
      count: v.count,
      elasticsearchRefs: [{ name: v.elasticsearchName, clusterName: "logs" }],
      pipelines: [{ "pipeline.id": LOGSTASH_PIPELINE_ID, "config.string": logstashPipeline() }],
      services: [
        {
          name: "http",
          service: {
            spec: {
              type: "ClusterIP",
              ports: [
                {
                  name: "http",
                  port: LOGSTASH_HTTP_PORT,
                  targetPort: LOGSTASH_HTTP_PORT,
                  protocol: "TCP",
                },
              ],
            },
          },
        },
      ],
      podTemplate: {
        spec: {
          containers: [
            {
              name: "logstash",
              resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "2Gi" } },
            },
            logstashExporterContainer(),
          ],
        },
      },
    },
  };
}

/**
 * The logstash-exporter sidecar of each Logstash pod. It reads the API on the pod's own loopback:
 * ECK's certificate names the API Service, not `localhost`, and v1.9.1 takes no CA
 * (fetcher/logstash_client/client.go: only `HTTP_INSECURE`), so verification is off for a
 * connection that never leaves the pod's network namespace.
 */
function logstashExporterContainer(): Record<string, unknown> {
  return {
    name: "metrics",
    image: LOGSTASH_EXPORTER_IMAGE,
    env: [
      { name: "LOGSTASH_URL", value: `https://localhost:${LOGSTASH_API_PORT}` },
      { name: "HTTP_INSECURE", value: "true" },
      { name: "PORT", value: String(LOGSTASH_EXPORTER_PORT) },
    ],
    ports: [
      { name: LOGSTASH_EXPORTER_PORT_NAME, containerPort: LOGSTASH_EXPORTER_PORT, protocol: "TCP" },
    ],
    // `/` answers while the exporter serves (server/server.go); `/healthcheck` would restart it
    // whenever Logstash itself is slow.
    livenessProbe: {
      httpGet: { path: "/", port: LOGSTASH_EXPORTER_PORT_NAME },
      periodSeconds: 20,
      timeoutSeconds: 5,
    },
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65534,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
  };
}

/**
 * The PodMonitors of the log path, in the monitoring namespace `namespace` (`Monitoring` creates
 * them once its CRDs are served): Fluent Bit on every node, and each Logstash pod's exporter. ECK
 * labels Logstash pods `common.k8s.elastic.co/type: logstash` (3.5,
 * pkg/apis/logstash/v1alpha1/labels.go `GetIdentityLabels`).
 */
export function logShippingPodMonitors(
  namespace: string,
  loggingNamespace: string,
): Record<string, unknown>[] {
  const monitor = (name: string, selector: Record<string, string>, endpoint: object) => ({
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name, namespace },
    spec: {
      namespaceSelector: { matchNames: [loggingNamespace] },
      selector: { matchLabels: selector },
      podMetricsEndpoints: [{ interval: "60s", ...endpoint }],
    },
  });
  return [
    monitor(
      LOG_SHIPPING_POD_MONITORS.fluentBit,
      {
        "app.kubernetes.io/name": CHARTS.fluentBit.name,
        "app.kubernetes.io/instance": FLUENT_BIT_RELEASE,
      },
      { port: FLUENT_BIT_METRICS.port, path: FLUENT_BIT_METRICS.path },
    ),
    monitor(
      LOG_SHIPPING_POD_MONITORS.logstash,
      { "common.k8s.elastic.co/type": "logstash" },
      { port: LOGSTASH_EXPORTER_PORT_NAME, path: "/metrics" },
    ),
  ];
}

/** Helm values of Fluent Bit: a DaemonSet tailing container logs, posting to Logstash. */
export function fluentBitValues(v: { logstashHost: string }): Record<string, unknown> {
  return {
    kind: "DaemonSet",
    testFramework: { enabled: false },
    // Every node, control-plane taints included.
    tolerations: [{ operator: "Exists" }],
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
    config: {
      inputs: [
        "[INPUT]",
        "    Name              tail",
        `    Alias             ${FLUENT_BIT_INPUT_ALIAS}`,
        "    Path              /var/log/containers/*.log",
        "    Exclude_Path      /var/log/containers/fluent-bit*",
        "    multiline.parser  docker, cri",
        "    Tag               kube.*",
        "    Mem_Buf_Limit     20MB",
        "    Skip_Long_Lines   On",
        // Offsets survive a restart (plugins/in_tail/tail.c `db`, v5.1.1): a new pod resumes each
        // file where the old one stopped instead of at its end. On the node's /var/log, which the
        // chart mounts read-write (daemonSetVolumeMounts `varlog`).
        "    DB                /var/log/fluent-bit-containers.db",
        "    DB.locking        true",
        "",
      ].join("\n"),
      filters: [
        "[FILTER]",
        "    Name              kubernetes",
        "    Match             kube.*",
        "    Merge_Log         Off",
        "    Keep_Log          On",
        "    Labels            On",
        "    Annotations       Off",
        "    K8S-Logging.Exclude On",
        "",
      ].join("\n"),
      outputs: [
        "[OUTPUT]",
        "    Name              http",
        `    Alias             ${FLUENT_BIT_OUTPUT_ALIAS}`,
        "    Match             kube.*",
        `    Host              ${v.logstashHost}`,
        `    Port              ${LOGSTASH_HTTP_PORT}`,
        "    URI               /",
        "    Format            json",
        "    Json_Date_Key     time",
        "    Json_Date_Format  iso8601",
        "    Retry_Limit       False",
        "",
      ].join("\n"),
    },
  };
}

/**
 * The script of the retention Job: waits for the cluster, then puts the logs' ILM policy, the
 * index template that attaches it (and the replica count) to new indices, and the same settings on
 * the log indices that already exist. The `acme-ilm` user's name and password and the CA are files
 * of the Secrets mounted into the Job. Logstash, the only writer of the logs, is created after the
 * Job completes (see the constructor), so on a fresh cluster the template always comes first.
 *
 * Logs only. Jaeger's indices are deleted by its es-index-cleaner (Tracing), not by ILM: a new
 * index gets the settings of the one matching composable template with the highest priority, so a
 * template of ours attaching a policy to Jaeger's indices would replace the mapping templates
 * Jaeger puts (`<prefix>-jaeger-span` etc.) instead of adding to them.
 */
export function retentionScript(v: {
  elasticsearchUrl: string;
  retentionDays: number;
  /** {@link elasticsearchIndexReplicas} of the cluster's node count. */
  indexReplicas: number;
}): string {
  const policy = JSON.stringify({
    policy: {
      phases: {
        // A data stream's write index is never deleted: roll over daily (or at the size the
        // built-in `logs` policy uses), so the delete phase has whole days to remove.
        hot: { actions: { rollover: { max_age: "1d", max_primary_shard_size: "50gb" } } },
        // Counted from the rollover: a day's logs live retentionDays after their day ends.
        delete: { min_age: `${v.retentionDays}d`, actions: { delete: {} } },
      },
    },
  });
  // Our settings override those of `logs@settings`, which sets no replica count, so without it the
  // backing indices get Elasticsearch's default of 1 (yellow on one node).
  const settings = {
    "index.lifecycle.name": "acme-logs",
    "index.number_of_replicas": v.indexReplicas,
  };
  return [
    "set -eu",
    `ES=${v.elasticsearchUrl}`,
    'AUTH="$(cat /secrets/username):$(cat /secrets/password)"',
    'req() { curl -fsS --cacert /certs/ca.crt -u "$AUTH" -H \'Content-Type: application/json\' "$@"; }',
    'until req "$ES/_cluster/health?wait_for_status=yellow&timeout=30s" >/dev/null; do sleep 10; done',
    `req -X PUT "$ES/_ilm/policy/acme-logs" -d '${policy}'`,
    `req -X PUT "$ES/_index_template/acme-logs" -d '${JSON.stringify({
      index_patterns: [LOG_INDEX_PATTERN],
      data_stream: {},
      priority: 500,
      composed_of: ["logs@mappings", "logs@settings"],
      template: { settings },
    })}'`,
    // Existing backing indices too (a data stream's settings update reaches all of them): one
    // created from the built-in `logs` template before this template existed would otherwise keep
    // that policy, which never deletes. `allow_no_indices` defaults to false for this API, and
    // there is nothing to update on a fresh cluster.
    `req -X PUT "$ES/${LOG_INDEX_PATTERN}/_settings?allow_no_indices=true" -d '${JSON.stringify(settings)}'`,
    "",
  ].join("\n");
}

/**
 * The ELK stack on ECK in one namespace.
 *
 * - The operator is installed into the same namespace and watches only it.
 * - Elasticsearch: `nodeCount` master+data nodes, volumes on `storageClassName`, HTTP TLS with the
 *   ECK self-signed CA. The `elastic` user's password lives only in the ECK secret
 *   `<name>-es-elastic-user`, which no component reads.
 * - One file-realm user per client ({@link users}), each with a generated password and a single
 *   least-privilege role.
 * - Logstash and Kibana reach Elasticsearch through ECK references (credentials and CA injected
 *   by the operator).
 */
export class Logging extends pulumi.ComponentResource {
  public readonly namespace: string;
  /** `https://<name>-es-http.<namespace>.svc:9200`. */
  public readonly elasticsearchUrl: string;
  /** The Elasticsearch resource name (for ECK references). */
  public readonly elasticsearchName: string;
  /**
   * Each client's user: `metrics` for elasticsearch_exporter, `jaeger` for Jaeger, `traceCleaner`
   * for Jaeger's es-index-cleaner, `ilm` for the retention Job. Give `users.<client>.secretName` to
   * the client's credentials Secret argument.
   */
  public readonly users: Readonly<Record<ElasticsearchClient, ElasticsearchUserRef>>;
  /** The ECK secret holding the HTTP CA under `ca.crt`. */
  public readonly elasticsearchCaSecretName: string;
  /**
   * The HTTP CA's certificate (PEM; public): for clients outside the namespace, which cannot read
   * {@link elasticsearchCaSecretName}.
   */
  public readonly elasticsearchCaPem: pulumi.Output<string>;
  /**
   * Grafana's user, for its datasource in another namespace: the password (a Pulumi secret) goes
   * into a Secret of Grafana's namespace, never into values.
   */
  public readonly grafanaUser: { username: string; password: pulumi.Output<string> };
  /**
   * Replicas per index for this cluster's node count ({@link elasticsearchIndexReplicas}): 0 on
   * one node, 1 on 3 or 5. Give it to `Tracing`'s `elasticsearch.indexReplicas`.
   */
  public readonly indexReplicas: number;
  /** The Logstash HTTP endpoint Fluent Bit posts to. */
  public readonly logstashUrl: string;
  public readonly operator: k8s.helm.v3.Release;
  public readonly fluentBit: k8s.helm.v3.Release;

  constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfInvalid("Logging", validateLoggingArgs(args));
    super("acme:observability:Logging", name, {}, opts);
    // Waits for opts.dependsOn (the convention in components/lib/options.ts).
    const deps = dependenciesOf(opts);

    const ns = args.namespace ?? "logging";
    const esName = "logs";
    const ha = args.highAvailability;
    const childOpts = { parent: this, provider: args.provider };
    this.namespace = ns;
    this.elasticsearchName = esName;
    this.elasticsearchUrl = `https://${esName}-es-http.${ns}.svc:9200`;
    const userRef = (client: ElasticsearchClient): ElasticsearchUserRef => ({
      secretName: ELASTICSEARCH_CLIENTS[client].secretName,
      username: ELASTICSEARCH_CLIENTS[client].username,
      usernameKey: BASIC_AUTH_USERNAME_KEY,
      passwordKey: BASIC_AUTH_PASSWORD_KEY,
    });
    const clients = Object.keys(ELASTICSEARCH_CLIENTS) as ElasticsearchClient[];
    this.users = Object.fromEntries(clients.map((c) => [c, userRef(c)])) as Record<
      ElasticsearchClient,
      ElasticsearchUserRef
    >;
    this.elasticsearchCaSecretName = `${esName}-es-http-certs-public`;
    this.indexReplicas = elasticsearchIndexReplicas(args.nodeCount);
    this.logstashUrl = `http://${esName}-ls-http.${ns}.svc:${LOGSTASH_HTTP_PORT}`;

    const namespace = new k8s.core.v1.Namespace(name, { metadata: { name: ns } }, childOpts);
    const afterNamespace = [namespace, ...deps];

    this.operator = new k8s.helm.v3.Release(
      `${name}-eck`,
      {
        name: "elastic-operator",
        chart: CHARTS.eckOperator.name,
        version: CHARTS.eckOperator.version,
        repositoryOpts: { repo: CHARTS.eckOperator.repo },
        namespace: ns,
        values: eckOperatorValues(ns),
      },
      { ...childOpts, dependsOn: afterNamespace },
    );
    const afterOperator = { ...childOpts, dependsOn: [this.operator] };

    // The roles and users exist before the cluster that reads them (ECK would otherwise report
    // them missing until its watch on the Secrets fires).
    const authSecrets: pulumi.Resource[] = [
      new k8s.core.v1.Secret(
        `${name}-es-roles`,
        elasticsearchRolesSecret(ns) as k8s.core.v1.SecretArgs,
        { ...childOpts, dependsOn: [namespace] },
      ),
    ];
    // The HTTP layer's CA. Its key leaves Pulumi's (encrypted) state only for the Secret ECK reads.
    const caKey = new tls.PrivateKey(
      `${name}-es-http-ca`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      { parent: this },
    );
    const caCert = new tls.SelfSignedCert(
      `${name}-es-http-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        setSubjectKeyId: true,
        validityPeriodHours: ELASTICSEARCH_HTTP_CA_VALIDITY_HOURS,
        allowedUses: ["cert_signing", "crl_signing"],
        subject: { commonName: `${esName}-es-http-ca.${ns}` },
      },
      { parent: this },
    );
    this.elasticsearchCaPem = caCert.certPem;
    authSecrets.push(
      new k8s.core.v1.Secret(
        `${name}-es-http-ca`,
        {
          metadata: { name: ELASTICSEARCH_HTTP_CA_SECRET_NAME, namespace: ns },
          type: "Opaque",
          stringData: { "ca.crt": caCert.certPem, "ca.key": pulumi.secret(caKey.privateKeyPem) },
        },
        { ...childOpts, dependsOn: [namespace] },
      ),
    );

    const passwords = {} as Record<ElasticsearchClient, pulumi.Output<string>>;
    for (const client of clients) {
      // Generated, never typed by a person; Pulumi keeps it encrypted in state.
      const password = new random.RandomPassword(
        `${name}-es-${client}`,
        { length: 32, special: false },
        { parent: this },
      );
      passwords[client] = pulumi.secret(password.result);
      authSecrets.push(
        new k8s.core.v1.Secret(
          `${name}-es-${client}-user`,
          elasticsearchUserSecret(
            client,
            ns,
            pulumi.secret(password.result),
          ) as k8s.core.v1.SecretArgs,
          { ...childOpts, dependsOn: [namespace] },
        ),
      );
    }

    this.grafanaUser = {
      username: ELASTICSEARCH_CLIENTS.grafana.username,
      password: passwords.grafana,
    };

    const es = new k8s.apiextensions.CustomResource(
      `${name}-es`,
      elasticsearchManifest({
        name: esName,
        namespace: ns,
        nodeCount: args.nodeCount,
        storageClassName: args.storageClassName,
        storageGiB: args.storageGiB,
      }) as k8s.apiextensions.CustomResourceArgs,
      { ...childOpts, dependsOn: [this.operator, ...authSecrets] },
    );
    new k8s.apiextensions.CustomResource(
      `${name}-kibana`,
      kibanaManifest({
        name: esName,
        namespace: ns,
        elasticsearchName: esName,
        count: ha ? 2 : 1,
      }) as k8s.apiextensions.CustomResourceArgs,
      afterOperator,
    );

    const retention = new k8s.batch.v1.Job(
      `${name}-retention`,
      {
        metadata: { namespace: ns },
        spec: {
          backoffLimit: 6,
          ttlSecondsAfterFinished: 86400,
          template: {
            spec: {
              restartPolicy: "OnFailure",
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 100,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "ilm",
                  image: RETENTION_JOB_IMAGE,
                  command: ["/bin/sh", "-c"],
                  args: [
                    retentionScript({
                      elasticsearchUrl: this.elasticsearchUrl,
                      retentionDays: args.retentionDays,
                      indexReplicas: this.indexReplicas,
                    }),
                  ],
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  volumeMounts: [
                    { name: "user", mountPath: "/secrets", readOnly: true },
                    { name: "ca", mountPath: "/certs", readOnly: true },
                  ],
                },
              ],
              volumes: [
                {
                  name: "user",
                  secret: {
                    secretName: this.users.ilm.secretName,
                    items: [
                      { key: BASIC_AUTH_USERNAME_KEY, path: "username" },
                      { key: BASIC_AUTH_PASSWORD_KEY, path: "password" },
                    ],
                  },
                },
                { name: "ca", secret: { secretName: this.elasticsearchCaSecretName } },
              ],
            },
          },
        },
      },
      // Jobs are awaited by Pulumi; the script itself waits for the cluster to be healthy.
      { ...childOpts, dependsOn: [es] },
    );

    const logstash = new k8s.apiextensions.CustomResource(
      `${name}-logstash`,
      logstashManifest({
        name: esName,
        namespace: ns,
        elasticsearchName: esName,
        count: ha ? 2 : 1,
      }) as k8s.apiextensions.CustomResourceArgs,
      // After the retention Job has completed (Pulumi awaits a Job's Complete condition), so the
      // acme-logs template exists before the only writer of logs-acme-* does: a first write
      // without it would create the data stream from Elasticsearch's built-in `logs` template
      // (`logs-*-*`, priority 100), whose policy has no delete phase, and that first backing
      // index would never be deleted. Fluent Bit posts only to Logstash.
      { ...childOpts, dependsOn: [this.operator, retention] },
    );

    this.fluentBit = new k8s.helm.v3.Release(
      `${name}-fluent-bit`,
      {
        name: FLUENT_BIT_RELEASE,
        chart: CHARTS.fluentBit.name,
        version: CHARTS.fluentBit.version,
        repositoryOpts: { repo: CHARTS.fluentBit.repo },
        namespace: ns,
        values: fluentBitValues({ logstashHost: `${esName}-ls-http.${ns}.svc` }),
      },
      { ...childOpts, dependsOn: [logstash] },
    );

    this.registerOutputs({
      namespace: this.namespace,
      elasticsearchUrl: this.elasticsearchUrl,
      users: this.users,
      elasticsearchCaSecretName: this.elasticsearchCaSecretName,
      indexReplicas: this.indexReplicas,
      logstashUrl: this.logstashUrl,
    });
  }
}
