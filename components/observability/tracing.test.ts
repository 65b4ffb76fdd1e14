import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { checkHelmValues } from "../../tools/checks/helmValues";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { mockPlatform, ofType, pinnedChart, valueOf } from "../../tools/testing";
import { parse as parseYaml } from "yaml";
import { CHARTS } from "../lib";
import {
  ELASTICSEARCH_CLIENTS,
  elasticsearchIndexReplicas,
  elasticsearchRolesYaml,
} from "./logging";
import {
  ES_INDEX_CLEANER_SCHEDULE,
  JAEGER_FREE_FORM_VALUES,
  meshTracingTarget,
  OTEL_COLLECTOR_FREE_FORM_VALUES,
  Tracing,
  type TracingArgs,
  validateTracingArgs,
} from "./tracing";

/** Strings that look like a credential value rather than a reference to one. */
const PASSWORD_LIKE = /(password|passwd|secret|token)["']?\s*[:=]>?\s*["']?(?!\$\{)[^\s"'$]{4,}/i;

const ES = {
  namespace: "logging",
  url: "https://logs-es-http.logging.svc:9200",
  credentialsSecretName: "acme-es-jaeger-user",
  cleanerCredentialsSecretName: "acme-es-trace-cleaner-user",
  caSecretName: "logs-es-http-certs-public",
  // Logging.indexReplicas of dev's single node.
  indexReplicas: 0,
};

describe("Tracing", () => {
  let capture: Capture;
  let provider: k8s.Provider;
  let devUrn: string;
  let prodUrn: string;
  let dev: Tracing;

  const args = (overrides: Partial<TracingArgs> = {}): TracingArgs => ({
    provider,
    samplingPercentage: 100,
    highAvailability: false,
    traceRetentionDays: 3,
    elasticsearch: ES,
    ...overrides,
  });

  const releaseOf = (urn: string, chart: string): CapturedResource => {
    const found = ofType(capture, "kubernetes:helm.sh/v3:Release", urn).filter(
      (r) => r.inputs.chart === chart,
    );
    assert.equal(found.length, 1);
    return found[0];
  };
  const valuesOf = (r: CapturedResource) => r.inputs.values as Record<string, unknown>;

  const collectorValues = (replicaCount: number, samplingPercentage: number) => ({
    mode: "deployment",
    apiVersion: "apps/v1",
    image: { repository: "otel/opentelemetry-collector-contrib" },
    command: { name: "otelcol-contrib" },
    replicaCount,
    serviceAccount: { create: true, name: "otel-collector" },
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    ports: {
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
            grpc: { endpoint: "${env:MY_POD_IP}:4317" },
            http: { endpoint: "${env:MY_POD_IP}:4318" },
          },
        },
      },
      processors: {
        memory_limiter: { check_interval: "5s", limit_percentage: 80, spike_limit_percentage: 25 },
        probabilistic_sampler: { sampling_percentage: samplingPercentage },
        batch: { send_batch_size: 8192, timeout: "5s" },
      },
      exporters: {
        "otlp_grpc/jaeger": { endpoint: "jaeger.logging.svc:4317", tls: { insecure: true } },
      },
      service: {
        pipelines: {
          traces: {
            receivers: ["otlp"],
            processors: ["memory_limiter", "probabilistic_sampler", "batch"],
            exporters: ["otlp_grpc/jaeger"],
          },
          metrics: null,
          logs: null,
        },
      },
    },
  });

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    dev = new Tracing("dev", args());
    const prod = new Tracing(
      "prod",
      args({
        namespace: "tracing-prod",
        samplingPercentage: 10,
        highAvailability: true,
        traceRetentionDays: 7,
        // Logging.indexReplicas of prod's three nodes.
        elasticsearch: { ...ES, indexReplicas: 1 },
      }),
    );
    await capture.settle();
    [devUrn, prodUrn] = await Promise.all([valueOf(dev.urn), valueOf(prod.urn)]);
  });

  it("installs both charts as pinned in components/lib/charts.ts, in every stack", () => {
    for (const urn of [devUrn, prodUrn]) {
      for (const pin of [CHARTS.otelCollector, CHARTS.jaeger]) {
        const { chart, version, repositoryOpts } = releaseOf(urn, pin.name).inputs;
        assert.deepEqual({ chart, version, repositoryOpts }, pinnedChart(pin));
      }
    }
  });

  it("exposes the OTLP endpoints and the Jaeger query URL", () => {
    assert.equal(
      dev.otlpEndpoint,
      "http://otel-collector-opentelemetry-collector.tracing.svc:4317",
    );
    assert.equal(
      dev.otlpHttpEndpoint,
      "http://otel-collector-opentelemetry-collector.tracing.svc:4318",
    );
    assert.equal(dev.jaegerQueryUrl, "http://jaeger.logging.svc:16686");
  });

  it("samples every trace with one collector in dev", () => {
    const r = releaseOf(devUrn, "opentelemetry-collector");
    const { values, ...rest } = r.inputs;
    assert.deepEqual(rest, {
      compat: "true",
      name: "otel-collector",
      ...pinnedChart(CHARTS.otelCollector),
      namespace: "tracing",
    });
    assert.deepEqual(values, collectorValues(1, 100));
  });

  it("keeps the prod stack's sampling rate with two collectors", () => {
    assert.deepEqual(
      valuesOf(releaseOf(prodUrn, "opentelemetry-collector")),
      collectorValues(2, 10),
    );
  });

  it("names no exporter by a type the pinned collector only keeps as a deprecated alias", () => {
    // Collector v0.158.0 (the chart's appVersion): exporter/otlpexporter/metadata.yaml has
    // `type: otlp_grpc, deprecated_type: otlp`, exporter/otlphttpexporter `type: otlp_http,
    // deprecated_type: otlphttp` (renamed in v0.146.0, #14403/#14396). The receiver `otlp` is
    // current (receiver/otlpreceiver/metadata.yaml, no alias), so only exporter ids are checked.
    const deprecatedExporterTypes = new Set(["otlp", "otlphttp"]);
    const typeOf = (id: string) => id.split("/")[0];
    for (const urn of [devUrn, prodUrn]) {
      const config = (
        valuesOf(releaseOf(urn, "opentelemetry-collector")) as {
          config: {
            receivers: Record<string, unknown>;
            exporters: Record<string, unknown>;
            service: { pipelines: Record<string, { exporters: string[] } | null> };
          };
        }
      ).config;
      const defined = Object.keys(config.exporters);
      const used = Object.values(config.service.pipelines).flatMap((p) => p?.exporters ?? []);
      const freeForm = OTEL_COLLECTOR_FREE_FORM_VALUES.filter((p) =>
        p.startsWith("config.exporters."),
      ).map((p) => p.slice("config.exporters.".length));
      assert.deepEqual(defined, ["otlp_grpc/jaeger"]);
      assert.deepEqual(used, ["otlp_grpc/jaeger"]);
      assert.deepEqual(freeForm, ["otlp_grpc/jaeger"]);
      for (const id of [...defined, ...used, ...freeForm]) {
        assert.ok(
          !deprecatedExporterTypes.has(typeOf(id)),
          `exporter ${id} uses a deprecated type`,
        );
      }
      // The OTLP receiver keeps its (current) name.
      assert.ok("otlp" in config.receivers);
    }
  });

  /** The es-index-cleaner values both stacks share but for the days kept. */
  const cleanerValues = (numberOfDays: number) => ({
    enabled: true,
    numberOfDays,
    schedule: "55 23 * * *",
    concurrencyPolicy: "Forbid",
    activeDeadlineSeconds: 1800,
    extraEnv: [
      { name: "INDEX_PREFIX", value: "jaeger" },
      { name: "ES_TLS_ENABLED", value: "true" },
      { name: "ES_TLS_CA", value: "/es-tls/ca.crt" },
      {
        name: "ES_USERNAME",
        valueFrom: { secretKeyRef: { name: "acme-es-trace-cleaner-user", key: "username" } },
      },
      {
        name: "ES_PASSWORD",
        valueFrom: { secretKeyRef: { name: "acme-es-trace-cleaner-user", key: "password" } },
      },
    ],
    extraSecretMounts: [
      {
        name: "es-tls",
        secretName: "logs-es-http-certs-public",
        mountPath: "/es-tls/ca.crt",
        subPath: "ca.crt",
        readOnly: true,
      },
    ],
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
  });

  it("stores spans in the Logging Elasticsearch over TLS as Jaeger's own user", () => {
    for (const [urn, replicas, days, indexReplicas] of [
      [devUrn, 1, 3, 0],
      [prodUrn, 2, 7, 1],
    ] as const) {
      const r = releaseOf(urn, "jaeger");
      assert.equal(r.inputs.namespace, "logging");
      assert.equal(r.inputs.version, CHARTS.jaeger.version);
      assert.deepEqual(valuesOf(r), {
        storage: {
          type: "elasticsearch",
          elasticsearch: { url: "https://logs-es-http.logging.svc:9200" },
        },
        jaeger: {
          replicas,
          // Jaeger's user Secret as files, read-only; no credential in the environment.
          extraVolumes: [
            { name: "es-ca", secret: { secretName: "logs-es-http-certs-public" } },
            {
              name: "es-credentials",
              secret: {
                secretName: "acme-es-jaeger-user",
                items: [
                  { key: "username", path: "username" },
                  { key: "password", path: "password" },
                ],
              },
            },
          ],
          extraVolumeMounts: [
            { name: "es-ca", mountPath: "/es-ca", readOnly: true },
            { name: "es-credentials", mountPath: "/es-credentials", readOnly: true },
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
            jaeger_storage: {
              backends: {
                primary_store: {
                  elasticsearch: {
                    server_urls: ["https://logs-es-http.logging.svc:9200"],
                    auth: {
                      basic: {
                        username: "${file:/es-credentials/username}",
                        password_file: "/es-credentials/password",
                      },
                    },
                    tls: { ca_file: "/es-ca/ca.crt" },
                    indices: {
                      index_prefix: "jaeger",
                      spans: { replicas: indexReplicas },
                      services: { replicas: indexReplicas },
                      dependencies: { replicas: indexReplicas },
                      sampling: { replicas: indexReplicas },
                    },
                  },
                },
              },
            },
          },
          receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" } } } },
          processors: { batch: {} },
          exporters: { jaeger_storage_exporter: { trace_storage: "primary_store" } },
        },
        esIndexCleaner: cleanerValues(days),
      });
    }
  });

  it("gives Jaeger's indices the Logging rule's replicas: 0 on dev's one node, 1 on prod's three", () => {
    for (const [urn, nodes, replicas] of [
      [devUrn, 1, 0],
      [prodUrn, 3, 1],
    ] as const) {
      // The stacks pass Logging.indexReplicas, which is this rule of the node count.
      assert.equal(elasticsearchIndexReplicas(nodes), replicas);
      const values = valuesOf(releaseOf(urn, "jaeger")) as {
        userconfig: { extensions: { jaeger_storage: { backends: Record<string, unknown> } } };
      };
      const backend = values.userconfig.extensions.jaeger_storage.backends.primary_store as {
        elasticsearch: { indices: Record<string, unknown> };
      };
      const { index_prefix: _, ...kinds } = backend.elasticsearch.indices;
      // Every IndexOptions kind of jaeger v2.19.0, each below the node count.
      assert.deepEqual(Object.keys(kinds).sort(), [
        "dependencies",
        "sampling",
        "services",
        "spans",
      ]);
      for (const [kind, options] of Object.entries(kinds)) {
        assert.deepEqual(options, { replicas }, kind);
        assert.ok((options as { replicas: number }).replicas <= nodes - 1, kind);
      }
    }
  });

  it("rejects an index replica count that is not a whole number of at least 0", () => {
    for (const bad of [-1, 0.5, Number.NaN, "1" as unknown as number]) {
      assert.deepEqual(
        validateTracingArgs(args({ elasticsearch: { ...ES, indexReplicas: bad } })),
        [
          {
            propertyPath: "elasticsearch.indexReplicas",
            reason: `must be a whole number of at least 0, the Logging component's indexReplicas; got ${String(bad)}`,
          },
        ],
        String(bad),
      );
    }
    assert.deepEqual(validateTracingArgs(args({ elasticsearch: { ...ES, indexReplicas: 1 } })), []);
  });

  it("deletes spans older than the stack's retention with Jaeger's es-index-cleaner, nightly", () => {
    for (const [urn, days] of [
      [devUrn, 3],
      [prodUrn, 7],
    ] as const) {
      const values = valuesOf(releaseOf(urn, "jaeger")) as {
        esIndexCleaner: Record<string, unknown>;
        storage: { elasticsearch: { url: string } };
        userconfig: { extensions: { jaeger_storage: { backends: Record<string, unknown> } } };
      };
      assert.deepEqual(values.esIndexCleaner, cleanerValues(days));
      assert.equal(ES_INDEX_CLEANER_SCHEDULE, "55 23 * * *");
      // The cleaner's URL argument is the Elasticsearch Jaeger writes to, its prefix Jaeger's.
      const backend = values.userconfig.extensions.jaeger_storage.backends.primary_store as {
        elasticsearch: { server_urls: string[]; indices: { index_prefix: string } };
      };
      assert.deepEqual(backend.elasticsearch.server_urls, [values.storage.elasticsearch.url]);
      const env = values.esIndexCleaner.extraEnv as Array<{ name: string; value?: string }>;
      assert.equal(
        env.find((e) => e.name === "INDEX_PREFIX")?.value,
        backend.elasticsearch.indices.index_prefix,
      );
    }
  });

  it("gives the cleaner only Secret references for credentials, never a literal, and Jaeger none in its env", () => {
    for (const urn of [devUrn, prodUrn]) {
      const values = valuesOf(releaseOf(urn, "jaeger"));
      const rendered = JSON.stringify(values);
      // No ES_USERNAME/ES_PASSWORD with a `value:` anywhere in the release (jaeger.extraEnv,
      // esIndexCleaner.extraEnv), and no user/password for the chart's elasticsearch.env helper.
      assert.doesNotMatch(rendered, /"name":"ES_(PASSWORD|USERNAME)","value"/);
      const storage = (values.storage as { elasticsearch: Record<string, unknown> }).elasticsearch;
      assert.deepEqual(Object.keys(storage), ["url"]);
      // Jaeger itself reads its credentials from the mounted files: no env of its own at all.
      assert.equal((values.jaeger as Record<string, unknown>).extraEnv, undefined);
      const env = (values.esIndexCleaner as { extraEnv: Array<Record<string, unknown>> }).extraEnv;
      for (const name of ["ES_USERNAME", "ES_PASSWORD"]) {
        const entries = env.filter((e) => e.name === name);
        assert.equal(entries.length, 1, name);
        assert.deepEqual(Object.keys(entries[0]).sort(), ["name", "valueFrom"], name);
      }
    }
  });

  it("authenticates the cleaner as a user whose role can only list and delete Jaeger's indices", () => {
    const cleaner = ELASTICSEARCH_CLIENTS.traceCleaner;
    assert.equal(ES.cleanerCredentialsSecretName, cleaner.secretName);
    const roles = parseYaml(elasticsearchRolesYaml()) as Record<string, unknown>;
    assert.deepEqual(roles[cleaner.role], {
      indices: [
        { names: ["jaeger-jaeger-*"], privileges: ["view_index_metadata", "delete_index"] },
      ],
    });
    // The role's pattern covers every daily index Jaeger writes with prefix `jaeger`.
    const pattern = new RegExp(`^${"jaeger-jaeger-*".replace("*", ".*")}$`);
    for (const base of ["span", "service", "dependencies", "sampling"]) {
      assert.match(`jaeger-jaeger-${base}-2026-01-31`, pattern);
    }
    assert.doesNotMatch("logs-acme-default", pattern);
  });

  it("runs the cleaner hardened: non-root, no escalation, read-only root, no capabilities", () => {
    const values = valuesOf(releaseOf(devUrn, "jaeger")) as {
      esIndexCleaner: {
        podSecurityContext: Record<string, unknown>;
        securityContext: Record<string, unknown>;
        resources: { requests?: unknown; limits?: { memory?: string } };
        serviceAccount?: unknown;
      };
    };
    const c = values.esIndexCleaner;
    assert.equal(c.podSecurityContext.runAsNonRoot, true);
    assert.notEqual(c.podSecurityContext.runAsUser, 0);
    assert.deepEqual(c.podSecurityContext.seccompProfile, { type: "RuntimeDefault" });
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
    assert.ok(c.resources.requests && c.resources.limits?.memory);
    // The chart's default (no API token in the pod) is kept.
    assert.equal(c.serviceAccount, undefined);
  });

  it("meshes the collector namespace", () => {
    const [ns] = ofType(capture, "kubernetes:core/v1:Namespace", devUrn);
    assert.deepEqual(ns.inputs.metadata, {
      name: "tracing",
      annotations: { "linkerd.io/inject": "enabled" },
    });
  });

  it("renders values every chart accepts, the collector's schema included", () => {
    for (const urn of [devUrn, prodUrn]) {
      assert.deepEqual(
        checkHelmValues(
          CHARTS.otelCollector.name,
          CHARTS.otelCollector.version,
          valuesOf(releaseOf(urn, "opentelemetry-collector")),
          OTEL_COLLECTOR_FREE_FORM_VALUES,
        ),
        [],
      );
      assert.deepEqual(
        checkHelmValues(
          CHARTS.jaeger.name,
          CHARTS.jaeger.version,
          valuesOf(releaseOf(urn, "jaeger")),
          JAEGER_FREE_FORM_VALUES,
        ),
        [],
      );
    }
  });

  it("points the mesh's span export at the collector it runs, under the collector's identity", () => {
    assert.deepEqual(meshTracingTarget(), {
      collectorEndpoint: "otel-collector-opentelemetry-collector.tracing.svc:4317",
      collectorServiceAccount: "otel-collector",
      collectorNamespace: "tracing",
    });
    // The target names what the component really creates, in the default and another namespace.
    for (const [urn, namespace, component] of [
      [devUrn, "tracing", dev],
      [prodUrn, "tracing-prod", undefined],
    ] as const) {
      const target = meshTracingTarget(namespace);
      const collector = releaseOf(urn, "opentelemetry-collector");
      assert.equal(collector.inputs.namespace, target.collectorNamespace);
      const values = valuesOf(collector) as { serviceAccount: { name: string } };
      assert.equal(values.serviceAccount.name, target.collectorServiceAccount);
      assert.ok(
        target.collectorEndpoint.startsWith(
          `otel-collector-opentelemetry-collector.${namespace}.svc:`,
        ),
      );
      if (component) assert.equal(target.collectorEndpoint, `${component.collectorHost}:4317`);
    }
  });

  it("puts no credential in any value", () => {
    assert.match('{"password":"hunter22"}', PASSWORD_LIKE);
    for (const urn of [devUrn, prodUrn]) {
      const rendered = ofType(capture, "kubernetes:helm.sh/v3:Release", urn)
        .map((r) => JSON.stringify(r.inputs))
        .join("\n");
      assert.doesNotMatch(rendered, PASSWORD_LIKE);
    }
  });

  it("never hands Jaeger the elastic superuser", () => {
    for (const urn of [devUrn, prodUrn]) {
      const rendered = JSON.stringify(valuesOf(releaseOf(urn, "jaeger")));
      assert.doesNotMatch(rendered, /es-elastic-user/);
      assert.doesNotMatch(rendered, /"username":"elastic"/);
    }
    const errors = validateTracingArgs(
      args({ elasticsearch: { ...ES, credentialsSecretName: "logs-es-elastic-user" } }),
    );
    assert.deepEqual(
      errors.map((e) => e.propertyPath),
      ["elasticsearch.credentialsSecretName"],
    );
  });

  it("rejects bad arguments with every problem named", () => {
    const errors = validateTracingArgs({
      provider: undefined as unknown as k8s.Provider,
      namespace: "logging",
      samplingPercentage: 0,
      highAvailability: "yes" as unknown as boolean,
      traceRetentionDays: 0,
      elasticsearch: { ...ES, url: "http://logs-es-http.logging.svc:9200", caSecretName: "" },
    });
    assert.deepEqual(
      errors.map((e) => e.propertyPath),
      [
        "provider",
        "samplingPercentage",
        "highAvailability",
        "traceRetentionDays",
        "elasticsearch.namespace",
        "elasticsearch.url",
        "elasticsearch.caSecretName",
      ],
    );
    assert.throws(
      () => new Tracing("bad", args({ samplingPercentage: 101 })),
      /samplingPercentage/,
    );
  });

  it("rejects a trace retention outside 1..365 whole days, naming the field, before registering", async () => {
    for (const days of [0, 366, 2.5, Number.NaN, "7" as unknown as number, undefined]) {
      assert.deepEqual(
        validateTracingArgs(args({ traceRetentionDays: days as number })),
        [
          {
            propertyPath: "traceRetentionDays",
            reason: `must be a whole number of days from 1 to 365; got ${String(days)}`,
          },
        ],
        String(days),
      );
    }
    for (const days of [1, 365]) {
      assert.deepEqual(validateTracingArgs(args({ traceRetentionDays: days })), []);
    }
    const before = capture.resources.size;
    assert.throws(
      () => new Tracing("bad-retention", args({ traceRetentionDays: 400 })),
      (e: Error) =>
        /Tracing: 1 invalid argument/.test(e.message) &&
        /traceRetentionDays: must be a whole number of days from 1 to 365; got 400/.test(e.message),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
    assert.ok(
      ![...capture.resources.values()].some((r) => r.name.includes("bad-retention")),
      "nothing of the rejected Tracing is registered",
    );
  });

  it("rejects a cleaner user that is the superuser's or Jaeger's own", () => {
    const pathsOf = (cleanerCredentialsSecretName: string) =>
      validateTracingArgs(args({ elasticsearch: { ...ES, cleanerCredentialsSecretName } })).map(
        (e) => [e.propertyPath, e.reason],
      );
    assert.deepEqual(pathsOf("logs-es-elastic-user"), [
      [
        "elasticsearch.cleanerCredentialsSecretName",
        "must not be the `elastic` superuser's ECK secret; give Logging.users.traceCleaner.secretName",
      ],
    ]);
    assert.deepEqual(pathsOf("acme-es-jaeger-user"), [
      [
        "elasticsearch.cleanerCredentialsSecretName",
        "must be the index cleaner's own user (Logging.users.traceCleaner.secretName), not Jaeger's",
      ],
    ]);
    assert.deepEqual(pathsOf(""), [
      ["elasticsearch.cleanerCredentialsSecretName", '"" is not a Secret name'],
    ]);
  });
});
