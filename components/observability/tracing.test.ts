import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { checkHelmValues } from "../../tools/checks/helmValues";
import { readCatalog } from "../../tools/checks/shared";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { mockPlatform, ofType } from "../../tools/testing";
import {
  JAEGER_CHART,
  JAEGER_FREE_FORM_VALUES,
  meshTracingTarget,
  OTEL_COLLECTOR_CHART,
  OTEL_COLLECTOR_FREE_FORM_VALUES,
  Tracing,
  type TracingArgs,
  validateTracingArgs,
} from "./tracing";

const resolve = <T>(output: pulumi.Output<T>) =>
  new Promise<T>((done) => output.apply((value) => done(value)));

/** Strings that look like a credential value rather than a reference to one. */
const PASSWORD_LIKE = /(password|passwd|secret|token)["']?\s*[:=]>?\s*["']?(?!\$\{)[^\s"'$]{4,}/i;

const ES = {
  namespace: "logging",
  url: "https://logs-es-http.logging.svc:9200",
  credentialsSecretName: "acme-es-jaeger-user",
  caSecretName: "logs-es-http-certs-public",
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
        "otlp/jaeger": { endpoint: "jaeger.logging.svc:4317", tls: { insecure: true } },
      },
      service: {
        pipelines: {
          traces: {
            receivers: ["otlp"],
            processors: ["memory_limiter", "probabilistic_sampler", "batch"],
            exporters: ["otlp/jaeger"],
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
      args({ namespace: "tracing-prod", samplingPercentage: 10, highAvailability: true }),
    );
    await capture.settle();
    [devUrn, prodUrn] = await Promise.all([resolve(dev.urn), resolve(prod.urn)]);
  });

  it("pins both charts to the shared catalog", () => {
    for (const chart of [OTEL_COLLECTOR_CHART, JAEGER_CHART]) {
      const entry = readCatalog().charts.find((c) => c.name === chart.name) as
        { version: string; helmRepoUrl: string } | undefined;
      assert.ok(entry, `the catalog lists ${chart.name}`);
      assert.equal(chart.version, entry.version);
      assert.equal(chart.repo, entry.helmRepoUrl);
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
      chart: "opentelemetry-collector",
      version: "0.170.0",
      repositoryOpts: { repo: "https://open-telemetry.github.io/opentelemetry-helm-charts" },
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

  it("stores spans in the Logging Elasticsearch over TLS as Jaeger's own user", () => {
    for (const [urn, replicas] of [
      [devUrn, 1],
      [prodUrn, 2],
    ] as const) {
      const r = releaseOf(urn, "jaeger");
      assert.equal(r.inputs.namespace, "logging");
      assert.equal(r.inputs.version, "4.11.1");
      assert.deepEqual(valuesOf(r), {
        storage: { type: "elasticsearch" },
        jaeger: {
          replicas,
          extraEnv: [
            {
              name: "ES_USERNAME",
              valueFrom: { secretKeyRef: { name: "acme-es-jaeger-user", key: "username" } },
            },
            {
              name: "ES_PASSWORD",
              valueFrom: { secretKeyRef: { name: "acme-es-jaeger-user", key: "password" } },
            },
          ],
          extraVolumes: [{ name: "es-ca", secret: { secretName: "logs-es-http-certs-public" } }],
          extraVolumeMounts: [{ name: "es-ca", mountPath: "/es-ca", readOnly: true }],
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
                      basic: { username: "${env:ES_USERNAME}", password: "${env:ES_PASSWORD}" },
                    },
                    tls: { ca_file: "/es-ca/ca.crt" },
                    indices: { index_prefix: "jaeger" },
                  },
                },
              },
            },
          },
          receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" } } } },
          processors: { batch: {} },
          exporters: { jaeger_storage_exporter: { trace_storage: "primary_store" } },
        },
      });
    }
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
          OTEL_COLLECTOR_CHART.name,
          OTEL_COLLECTOR_CHART.version,
          valuesOf(releaseOf(urn, "opentelemetry-collector")),
          OTEL_COLLECTOR_FREE_FORM_VALUES,
        ),
        [],
      );
      assert.deepEqual(
        checkHelmValues(
          JAEGER_CHART.name,
          JAEGER_CHART.version,
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
      elasticsearch: { ...ES, url: "http://logs-es-http.logging.svc:9200", caSecretName: "" },
    });
    assert.deepEqual(
      errors.map((e) => e.propertyPath),
      [
        "provider",
        "samplingPercentage",
        "highAvailability",
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
});
