/**
 * Traces: an OpenTelemetry Collector (OTLP in, memory limiter, head sampling at a per-stack rate,
 * batching) exporting to Jaeger v2, which stores spans in the Logging component's Elasticsearch
 * over TLS as its own least-privilege user (`Logging.users.jaeger`: name and password read from
 * that Secret mounted as files, never put in values or the environment).
 * Span retention is Jaeger's own es-index-cleaner, a nightly CronJob of the Jaeger chart that deletes
 * the daily indices older than `traceRetentionDays`, as a user that can only list and delete them
 * (`Logging.users.traceCleaner`).
 * Linkerd's proxies join the same traces through {@link meshTracingTarget}, which the Linkerd
 * component receives before this one exists (the collector's namespace is meshed).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  CHARTS,
  dependenciesOf,
  DNS_LABEL,
  DNS_LABEL_FORM,
  RESERVED_NAMESPACES,
  throwIfInvalid,
  type ValidationError,
  DNS_SUBDOMAIN,
} from "../lib";
import type { MeshTracing } from "../mesh";
import {
  BASIC_AUTH_PASSWORD_KEY,
  BASIC_AUTH_USERNAME_KEY,
  basicAuthSecretItems,
  ELASTIC_SUPERUSER_SECRET,
  JAEGER_INDEX_PREFIX,
} from "./logging";

/**
 * The collector's exporter to Jaeger. Its type is `otlp_grpc`: collector v0.146.0 renamed the
 * `otlp` exporter to `otlp_grpc` and kept `otlp` only as a deprecated alias (CHANGELOG.md
 * "Deprecations", #14403; exporter/otlpexporter/metadata.yaml at v0.158.0, the chart's
 * appVersion, says `type: otlp_grpc`, `deprecated_type: otlp`; `otlphttp` likewise became
 * `otlp_http`). The RECEIVER type `otlp` is not deprecated (receiver/otlpreceiver/metadata.yaml,
 * `type: otlp`, no alias). The chart's `rewriteDeprecatedComponentNames` rewrites only processors
 * and resourcedetection detectors (values.schema.json of chart 0.170.0), so the id must be right here.
 */
export const JAEGER_EXPORTER_ID = "otlp_grpc/jaeger";

/**
 * Value paths the charts read but do not default. `config` is rendered verbatim as the collector's
 * configuration (templates/_config.tpl merges it over the defaults), so components the defaults do
 * not list are the collector's, not the chart's, to check.
 */
export const OTEL_COLLECTOR_FREE_FORM_VALUES = [
  "config.processors.probabilistic_sampler",
  `config.exporters.${JAEGER_EXPORTER_ID}`,
] as const;
/**
 * `userconfig` is the whole Jaeger v2 configuration (values.yaml shows it only in comments);
 * `jaeger.resources` is read by templates/jaeger/jaeger-deploy.yaml (`with .Values.jaeger.resources`).
 * templates/es-maintenance/es-index-cleaner-cronjob.yaml renders `esIndexCleaner.podSecurityContext`
 * and `.securityContext` whole with `toYaml` (values.yaml defaults them to `runAsUser: 1000` only,
 * so the key check would reject the rest of a pod/container SecurityContext), and reads
 * `esIndexCleaner.activeDeadlineSeconds`, which values.yaml does not list.
 */
export const JAEGER_FREE_FORM_VALUES = [
  "userconfig",
  "jaeger.resources",
  "esIndexCleaner.podSecurityContext",
  "esIndexCleaner.securityContext",
  "esIndexCleaner.activeDeadlineSeconds",
] as const;

/** The collector image: contrib, which ships the probabilistic sampler. */
export const OTEL_COLLECTOR_IMAGE = "otel/opentelemetry-collector-contrib";

/** The collector's OTLP gRPC port (SDKs, Linkerd proxies; application namespaces egress to it). */
export const OTLP_GRPC_PORT = 4317;
const OTLP_HTTP_PORT = 4318;
const JAEGER_QUERY_PORT = 16686;
/** Bounds of {@link TracingArgs.traceRetentionDays} (the stack config's range). */
export const TRACE_RETENTION_DAYS = { min: 1, max: 365 } as const;
/**
 * When the index cleaner runs: 23:55 in the controller's time zone (UTC on EKS), the chart's
 * default, stated here because the cutoff depends on it: the cleaner deletes indices created
 * before tomorrow's midnight UTC minus `numberOfDays` (cmd/es-index-cleaner/app/cutoff_time.go),
 * so a run late in the day keeps today's index and the `numberOfDays - 1` before it.
 */
export const ES_INDEX_CLEANER_SCHEDULE = "55 23 * * *";
/** The UID the es-index-cleaner image runs as (`USER 10001`, cmd/es-index-cleaner/Dockerfile). */
const ES_INDEX_CLEANER_UID = 10001;
/** Where the cleaner finds the Elasticsearch HTTP CA. */
const ES_INDEX_CLEANER_CA_PATH = "/es-tls/ca.crt";
/**
 * Where Jaeger mounts its user's basic-auth Secret (`TracingElasticsearchArgs.credentialsSecretName`),
 * read-only: the storage configuration reads `username` and `password` from the files there.
 */
const JAEGER_ES_CREDENTIALS_DIR = "/es-credentials";
/** The service account of the collector, the identity Linkerd proxies export to. */
export const OTEL_COLLECTOR_SERVICE_ACCOUNT = "otel-collector";
/**
 * The labels of the collector's pods: the chart's selectorLabels, `app.kubernetes.io/name` (the
 * chart name, no nameOverride here) and `app.kubernetes.io/instance` (the release name, below)
 * (opentelemetry-collector chart 0.170.0, templates/_helpers.tpl "opentelemetry-collector.selectorLabels").
 * Application namespaces' NetworkPolicies admit egress to exactly these pods.
 */
export const OTEL_COLLECTOR_POD_LABELS = {
  "app.kubernetes.io/name": CHARTS.otelCollector.name,
  "app.kubernetes.io/instance": "otel-collector",
} as const;
/** The namespace the collector runs in unless {@link TracingArgs.namespace} says otherwise. */
export const DEFAULT_TRACING_NAMESPACE = "tracing";

/** Where Jaeger finds Elasticsearch: the outputs of `Logging`. */
export interface TracingElasticsearchArgs {
  /**
   * The namespace Elasticsearch runs in; Jaeger is installed there to read the user and CA
   * Secrets.
   */
  namespace: string;
  /** `https://<name>-es-http.<namespace>.svc:9200` (`Logging.elasticsearchUrl`). */
  url: string;
  /**
   * The `kubernetes.io/basic-auth` Secret of Jaeger's Elasticsearch user, keys `username` and
   * `password` (`Logging.users.jaeger.secretName`). Never the `elastic` superuser's.
   */
  credentialsSecretName: string;
  /**
   * The `kubernetes.io/basic-auth` Secret of the index cleaner's Elasticsearch user, keys
   * `username` and `password` (`Logging.users.traceCleaner.secretName`), whose role may only list
   * and delete Jaeger's indices. Never Jaeger's own (it cannot delete) nor the superuser's.
   */
  cleanerCredentialsSecretName: string;
  /** The ECK secret with the HTTP CA under `ca.crt` (`Logging.elasticsearchCaSecretName`). */
  caSecretName: string;
  /**
   * Replicas of each of Jaeger's indices (`Logging.indexReplicas`, derived from the node count):
   * 0 on a single node, where Jaeger's default of 1 would leave the cluster yellow for good.
   */
  indexReplicas: number;
}

/** Arguments of {@link Tracing}. */
export interface TracingArgs {
  /** The provider of the cluster. */
  provider: k8s.Provider;
  /**
   * The namespace created for the collector; annotated for Linkerd injection.
   * @default "tracing"
   */
  namespace?: string;
  /** Percentage of traces kept by head sampling (trace-id based, so consistent), 0 < p <= 100. */
  samplingPercentage: number;
  /** Two collectors and two Jaeger replicas when true. */
  highAvailability: boolean;
  /**
   * Days of spans kept, a whole number from 1 to 365. Jaeger's es-index-cleaner (a nightly
   * CronJob, {@link ES_INDEX_CLEANER_SCHEDULE}) deletes the daily `jaeger-jaeger-*` indices
   * created before that many days (its `numberOfDays`); each run keeps today's index and the
   * `traceRetentionDays - 1` before it.
   */
  traceRetentionDays: number;
  /** The Elasticsearch of the Logging component. */
  elasticsearch: TracingElasticsearchArgs;
}

/** Validates {@link TracingArgs}; returns every problem. */
export function validateTracingArgs(args: TracingArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (!(args.provider instanceof k8s.Provider)) {
    add("provider", "must be a kubernetes Provider for the target cluster");
  }
  const ns = args.namespace ?? DEFAULT_TRACING_NAMESPACE;
  if (typeof ns !== "string" || !DNS_LABEL.test(ns)) {
    add("namespace", `"${String(ns)}" is not a namespace name; use ${DNS_LABEL_FORM}`);
  } else if (RESERVED_NAMESPACES.includes(ns)) {
    add("namespace", `"${ns}" is shared by the cluster; give tracing its own namespace`);
  }
  const p = args.samplingPercentage;
  if (typeof p !== "number" || !Number.isFinite(p) || p <= 0 || p > 100) {
    add("samplingPercentage", `must be a number above 0 and at most 100; got ${String(p)}`);
  }
  if (typeof args.highAvailability !== "boolean") add("highAvailability", "must be true or false");
  const days = args.traceRetentionDays;
  const { min, max } = TRACE_RETENTION_DAYS;
  if (typeof days !== "number" || !Number.isInteger(days) || days < min || days > max) {
    add(
      "traceRetentionDays",
      `must be a whole number of days from ${min} to ${max}; got ${String(days)}`,
    );
  }
  const es = args.elasticsearch;
  if (es === undefined || typeof es !== "object") {
    add("elasticsearch", "must give the Logging component's Elasticsearch");
    return errors;
  }
  if (typeof es.namespace !== "string" || !DNS_LABEL.test(es.namespace)) {
    add(
      "elasticsearch.namespace",
      `"${String(es.namespace)}" is not a namespace name; use ${DNS_LABEL_FORM}`,
    );
  } else if (es.namespace === ns) {
    add("elasticsearch.namespace", "must differ from namespace (Jaeger is installed there)");
  }
  let https: boolean;
  try {
    https = new URL(String(es.url)).protocol === "https:";
  } catch {
    https = false;
  }
  if (!https) add("elasticsearch.url", `"${String(es.url)}" is not an https URL (TLS stays on)`);
  for (const key of [
    "credentialsSecretName",
    "cleanerCredentialsSecretName",
    "caSecretName",
  ] as const) {
    if (typeof es[key] !== "string" || !DNS_SUBDOMAIN.test(es[key])) {
      add(`elasticsearch.${key}`, `"${String(es[key])}" is not a Secret name`);
    }
  }
  for (const [key, user] of [
    ["credentialsSecretName", "jaeger"],
    ["cleanerCredentialsSecretName", "traceCleaner"],
  ] as const) {
    if (typeof es[key] === "string" && ELASTIC_SUPERUSER_SECRET.test(es[key])) {
      add(
        `elasticsearch.${key}`,
        `must not be the \`elastic\` superuser's ECK secret; give Logging.users.${user}.secretName`,
      );
    }
  }
  if (
    typeof es.indexReplicas !== "number" ||
    !Number.isInteger(es.indexReplicas) ||
    es.indexReplicas < 0
  ) {
    add(
      "elasticsearch.indexReplicas",
      `must be a whole number of at least 0, the Logging component's indexReplicas; got ${String(es.indexReplicas)}`,
    );
  }
  if (
    typeof es.cleanerCredentialsSecretName === "string" &&
    es.cleanerCredentialsSecretName === es.credentialsSecretName
  ) {
    add(
      "elasticsearch.cleanerCredentialsSecretName",
      "must be the index cleaner's own user (Logging.users.traceCleaner.secretName), not Jaeger's",
    );
  }
  return errors;
}

/** Helm values of the OpenTelemetry Collector. */
export function otelCollectorValues(v: {
  samplingPercentage: number;
  jaegerEndpoint: string;
  highAvailability: boolean;
}): Record<string, unknown> {
  return {
    mode: "deployment",
    // The chart default, repeated because values.schema.json requires it in the given values.
    apiVersion: "apps/v1",
    image: { repository: OTEL_COLLECTOR_IMAGE },
    command: { name: "otelcol-contrib" },
    replicaCount: v.highAvailability ? 2 : 1,
    serviceAccount: { create: true, name: OTEL_COLLECTOR_SERVICE_ACCOUNT },
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    ports: {
      // Traces only: the Jaeger and Zipkin receivers of the chart's defaults are switched off.
      "jaeger-compact": { enabled: false },
      "jaeger-thrift": { enabled: false },
      "jaeger-grpc": { enabled: false },
      zipkin: { enabled: false },
    },
    config: {
      receivers: {
        jaeger: null,
        zipkin: null,
        prometheus: null,
        otlp: {
          protocols: {
            grpc: { endpoint: `\${env:MY_POD_IP}:${OTLP_GRPC_PORT}` },
            http: { endpoint: `\${env:MY_POD_IP}:${OTLP_HTTP_PORT}` },
          },
        },
      },
      processors: {
        memory_limiter: { check_interval: "5s", limit_percentage: 80, spike_limit_percentage: 25 },
        // Head sampling on the trace id: every collector replica keeps the same traces, and a
        // parent's decision (the sampled flag in traceparent) is honoured by the SDKs upstream.
        probabilistic_sampler: { sampling_percentage: v.samplingPercentage },
        batch: { send_batch_size: 8192, timeout: "5s" },
      },
      exporters: {
        [JAEGER_EXPORTER_ID]: {
          endpoint: v.jaegerEndpoint,
          // Plain gRPC inside the cluster; the Linkerd proxies on both ends carry it over mTLS.
          tls: { insecure: true },
        },
      },
      service: {
        pipelines: {
          traces: {
            receivers: ["otlp"],
            processors: ["memory_limiter", "probabilistic_sampler", "batch"],
            exporters: [JAEGER_EXPORTER_ID],
          },
          metrics: null,
          logs: null,
        },
      },
    },
  };
}

/**
 * Values of the chart's es-index-cleaner CronJob (jaeger v2.19.0 cmd/es-index-cleaner). The chart
 * passes `numberOfDays` and `storage.elasticsearch.url` as its two arguments; the rest is
 * configuration the cleaner reads from the environment (viper, `.`/`-` to `_`:
 * internal/config/config.go), set here through `extraEnv` since the chart's own `elasticsearch.env`
 * helper could only put `storage.elasticsearch.user`/`password` in as literals (never set).
 *
 * The user and password are the one credential of the stack still taken from the environment:
 * the cleaner reads them only from `--es.username`/`--es.password` or `ES_USERNAME`/`ES_PASSWORD`
 * (cmd/es-index-cleaner/app/flags.go: no password file, no config file), and the chart's CronJob
 * (templates/es-maintenance/es-index-cleaner-cronjob.yaml, chart 4.11.1) sets only its args and
 * env, with no command a shell could wrap to read a file. The pack's
 * `acme-kubernetes-deployment-disallow-secret-environment` exempts exactly this path
 * (`policies/config/<stack>.json`); the Secret is the cleaner's own delete-only user.
 */
export function esIndexCleanerValues(v: {
  elasticsearch: TracingElasticsearchArgs;
  traceRetentionDays: number;
}): Record<string, unknown> {
  const credential = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: v.elasticsearch.cleanerCredentialsSecretName, key } },
  });
  const nonRoot = { runAsNonRoot: true, runAsUser: ES_INDEX_CLEANER_UID };
  return {
    enabled: true,
    numberOfDays: v.traceRetentionDays,
    schedule: ES_INDEX_CLEANER_SCHEDULE,
    concurrencyPolicy: "Forbid",
    // A hung run would otherwise hold the Forbid lock and skip every later night.
    activeDeadlineSeconds: 1800,
    extraEnv: [
      // `--index-prefix`: the cleaner appends `-` and lists `jaeger-jaeger-*`, then keeps only
      // `^jaeger-jaeger-(span|service|dependencies|sampling)-\d{4}-\d{2}-\d{2}` (daily indices:
      // `ROLLOVER` and `ARCHIVE` stay false, as Jaeger writes no rollover or archive indices here)
      // created before the cutoff (cmd/es-index-cleaner/app/index_filter.go, flags.go).
      { name: "INDEX_PREFIX", value: JAEGER_INDEX_PREFIX },
      // `--es.tls.enabled`/`--es.tls.ca` (internal/config/tlscfg/flags.go): verify the ECK CA.
      { name: "ES_TLS_ENABLED", value: "true" },
      { name: "ES_TLS_CA", value: ES_INDEX_CLEANER_CA_PATH },
      // `--es.username`/`--es.password`, from the cleaner's own user Secret, never literals (the
      // environment is the only way the cleaner takes them: see above).
      credential("ES_USERNAME", BASIC_AUTH_USERNAME_KEY),
      credential("ES_PASSWORD", BASIC_AUTH_PASSWORD_KEY),
    ],
    extraSecretMounts: [
      {
        name: "es-tls",
        secretName: v.elasticsearch.caSecretName,
        mountPath: ES_INDEX_CLEANER_CA_PATH,
        subPath: "ca.crt",
        readOnly: true,
      },
    ],
    // Helm merges these over the chart's `runAsUser: 1000`, hence the explicit user (the image's).
    podSecurityContext: {
      ...nonRoot,
      runAsGroup: ES_INDEX_CLEANER_UID,
      seccompProfile: { type: "RuntimeDefault" },
    },
    securityContext: {
      ...nonRoot,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
  };
}

/**
 * The per-index options of Jaeger's Elasticsearch storage (jaeger v2.19.0: `indices.<kind>` is an
 * `IndexOptions`, internal/storage/elasticsearch/config/config.go; `replicas` defaults to 1 in
 * `defaultIndexOptions`, internal/storage/v1/elasticsearch/options.go, and goes into the index
 * templates Jaeger puts at start, internal/storage/v1/elasticsearch/mappings/mapping.go; the keys
 * as in cmd/jaeger/config-elasticsearch.yaml). Every kind is set, not only the span and service
 * indices Jaeger writes here, so none can keep the default.
 */
function jaegerIndexOptions(es: TracingElasticsearchArgs): Record<string, { replicas: number }> {
  const replicas = es.indexReplicas;
  const kinds = ["spans", "services", "dependencies", "sampling"] as const;
  return Object.fromEntries(kinds.map((kind) => [kind, { replicas }]));
}

/** Helm values of Jaeger v2 with Elasticsearch storage. */
export function jaegerValues(v: {
  elasticsearch: TracingElasticsearchArgs;
  highAvailability: boolean;
  traceRetentionDays: number;
}): Record<string, unknown> {
  const es = {
    server_urls: [v.elasticsearch.url],
    // Read from the mounted Secret: the password with Jaeger's own `password_file`
    // (internal/storage/elasticsearch/config/config.go `BasicAuthentication`, v2.19.0),
    // the user name through the config loader's file provider (`${file:<path>}`, cmd/jaeger/
    // internal/command.go registers it), which inlines the file's content as a YAML scalar: the
    // names Logging gives are plain words. Nothing of either is in the values, the ConfigMap the
    // chart renders, or the environment.
    auth: {
      basic: {
        username: `\${file:${JAEGER_ES_CREDENTIALS_DIR}/${BASIC_AUTH_USERNAME_KEY}}`,
        password_file: `${JAEGER_ES_CREDENTIALS_DIR}/${BASIC_AUTH_PASSWORD_KEY}`,
      },
    },
    tls: { ca_file: "/es-ca/ca.crt" },
    indices: { index_prefix: JAEGER_INDEX_PREFIX, ...jaegerIndexOptions(v.elasticsearch) },
  };
  return {
    // `storage.elasticsearch` is read only by the maintenance jobs (values.yaml says so): the URL
    // is the cleaner's second argument. No `user`/`password`: the chart would render them as env
    // literals.
    storage: { type: "elasticsearch", elasticsearch: { url: v.elasticsearch.url } },
    jaeger: {
      replicas: v.highAvailability ? 2 : 1,
      extraVolumes: [
        { name: "es-ca", secret: { secretName: v.elasticsearch.caSecretName } },
        {
          name: "es-credentials",
          secret: {
            secretName: v.elasticsearch.credentialsSecretName,
            items: basicAuthSecretItems(),
          },
        },
      ],
      extraVolumeMounts: [
        { name: "es-ca", mountPath: "/es-ca", readOnly: true },
        { name: "es-credentials", mountPath: JAEGER_ES_CREDENTIALS_DIR, readOnly: true },
      ],
      resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "1Gi" } },
    },
    userconfig: {
      service: {
        extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
        pipelines: {
          traces: {
            receivers: ["otlp"],
            processors: ["batch"],
            exporters: ["jaeger_storage_exporter"],
          },
        },
      },
      extensions: {
        healthcheckv2: { use_v2: true, http: { endpoint: "0.0.0.0:13133" } },
        jaeger_query: { storage: { traces: "primary_store" } },
        jaeger_storage: { backends: { primary_store: { elasticsearch: es } } },
      },
      receivers: {
        otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` } } },
      },
      processors: { batch: {} },
      exporters: { jaeger_storage_exporter: { trace_storage: "primary_store" } },
    },
    esIndexCleaner: esIndexCleanerValues(v),
  };
}

/**
 * The collector's Service host. The chart names its objects `<release>-opentelemetry-collector`
 * unless the release name contains the chart name.
 */
export function otelCollectorHost(namespace: string): string {
  return `otel-collector-opentelemetry-collector.${namespace}.svc`;
}

/**
 * The OpenTelemetry SDK variables a workload needs to export its spans to the collector:
 * `OTEL_EXPORTER_OTLP_ENDPOINT` = `Tracing.otlpEndpoint`, the collector's gRPC port, hence
 * `OTEL_EXPORTER_OTLP_PROTOCOL=grpc` (the SDK defaults to http/protobuf), and the service name its
 * spans carry (contracts/tracing.md).
 */
export function otelSdkEnv(
  serviceName: string,
  otlpEndpoint: string,
): { name: string; value: string }[] {
  return [
    { name: "OTEL_SERVICE_NAME", value: serviceName },
    { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: otlpEndpoint },
    { name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "grpc" },
  ];
}

/**
 * Where Linkerd's proxies and controllers export spans: the collector's OTLP gRPC port, under its
 * mesh identity. Known before the collector exists, so the Linkerd component (which the collector's
 * meshed namespace waits for) can take it.
 */
export function meshTracingTarget(namespace = DEFAULT_TRACING_NAMESPACE): MeshTracing {
  return {
    collectorEndpoint: `${otelCollectorHost(namespace)}:${OTLP_GRPC_PORT}`,
    collectorServiceAccount: OTEL_COLLECTOR_SERVICE_ACCOUNT,
    collectorNamespace: namespace,
  };
}

/**
 * The trace pipeline: collector in its own meshed namespace, Jaeger beside Elasticsearch.
 */
export class Tracing extends pulumi.ComponentResource {
  public readonly namespace: string;
  /** OTLP gRPC endpoint for SDKs (`http://<collector>.<ns>.svc:4317`). */
  public readonly otlpEndpoint: string;
  /** OTLP HTTP endpoint for SDKs. */
  public readonly otlpHttpEndpoint: string;
  /** The Jaeger UI/API inside the cluster. */
  public readonly jaegerQueryUrl: string;
  /** The collector's Service host name. */
  public readonly collectorHost: string;
  public readonly collector: k8s.helm.v3.Release;
  public readonly jaeger: k8s.helm.v3.Release;

  constructor(name: string, args: TracingArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfInvalid("Tracing", validateTracingArgs(args));
    super("acme:observability:Tracing", name, {}, opts);
    // Waits for opts.dependsOn (the convention in components/lib/options.ts).
    const deps = dependenciesOf(opts);

    const ns = args.namespace ?? DEFAULT_TRACING_NAMESPACE;
    const esNs = args.elasticsearch.namespace;
    const childOpts = { parent: this, provider: args.provider };
    this.namespace = ns;
    // Jaeger's fullname is the release name `jaeger`.
    this.collectorHost = otelCollectorHost(ns);
    this.otlpEndpoint = `http://${this.collectorHost}:${OTLP_GRPC_PORT}`;
    this.otlpHttpEndpoint = `http://${this.collectorHost}:${OTLP_HTTP_PORT}`;
    const jaegerHost = `jaeger.${esNs}.svc`;
    this.jaegerQueryUrl = `http://${jaegerHost}:${JAEGER_QUERY_PORT}`;

    const namespace = new k8s.core.v1.Namespace(
      name,
      { metadata: { name: ns, annotations: { "linkerd.io/inject": "enabled" } } },
      childOpts,
    );

    this.jaeger = new k8s.helm.v3.Release(
      `${name}-jaeger`,
      {
        name: "jaeger",
        chart: CHARTS.jaeger.name,
        version: CHARTS.jaeger.version,
        repositoryOpts: { repo: CHARTS.jaeger.repo },
        namespace: esNs,
        values: jaegerValues({
          elasticsearch: args.elasticsearch,
          highAvailability: args.highAvailability,
          traceRetentionDays: args.traceRetentionDays,
        }),
      },
      { ...childOpts, dependsOn: deps },
    );

    this.collector = new k8s.helm.v3.Release(
      `${name}-collector`,
      {
        name: OTEL_COLLECTOR_POD_LABELS["app.kubernetes.io/instance"],
        chart: CHARTS.otelCollector.name,
        version: CHARTS.otelCollector.version,
        repositoryOpts: { repo: CHARTS.otelCollector.repo },
        namespace: ns,
        values: otelCollectorValues({
          samplingPercentage: args.samplingPercentage,
          jaegerEndpoint: `${jaegerHost}:${OTLP_GRPC_PORT}`,
          highAvailability: args.highAvailability,
        }),
      },
      { ...childOpts, dependsOn: [namespace, this.jaeger, ...deps] },
    );

    this.registerOutputs({
      namespace: this.namespace,
      otlpEndpoint: this.otlpEndpoint,
      otlpHttpEndpoint: this.otlpHttpEndpoint,
      jaegerQueryUrl: this.jaegerQueryUrl,
    });
  }
}
