import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { checkHelmValues } from "../../tools/checks/helmValues";
import { validateManifest, type Manifest } from "../../tools/checks/manifests";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { revealSecrets } from "../../tools/stackExport";
import { mockPlatform, ofType, pinnedChart, valueOf } from "../../tools/testing";
import { parse as parseYaml } from "yaml";
import { CHARTS } from "../lib";
import { elasticsearchExporterDeployment } from "./elasticsearchExporter";
import {
  ECK_OPERATOR_FREE_FORM_VALUES,
  ELASTICSEARCH_CLIENTS,
  elasticsearchIndexReplicas,
  elasticsearchManifest,
  elasticsearchRolesYaml,
  FLUENT_BIT_FREE_FORM_VALUES,
  LOG_INDEX_PATTERN,
  Logging,
  type LoggingArgs,
  logShippingPodMonitors,
  logstashPipeline,
  validateLoggingArgs,
} from "./logging";
import { jaegerValues } from "./tracing";

/** Strings that look like a credential value rather than a reference to one. */
const PASSWORD_LIKE = /(password|passwd|secret|token)["']?\s*[:=]>?\s*["']?(?!\$\{)[^\s"'$]{4,}/i;

describe("Logging", () => {
  let capture: Capture;
  let provider: k8s.Provider;
  let devUrn: string;
  let prodUrn: string;
  let dev: Logging;
  let prod: Logging;

  const args = (overrides: Partial<LoggingArgs> = {}): LoggingArgs => ({
    provider,
    nodeCount: 1,
    highAvailability: false,
    storageClassName: "gp3-encrypted",
    storageGiB: 50,
    retentionDays: 7,
    ...overrides,
  });

  const under = (urn: string, type: string) => ofType(capture, type, urn);
  const one = (urn: string, type: string): CapturedResource => {
    const found = under(urn, type);
    assert.equal(found.length, 1, `expected one ${type}, found ${found.length}`);
    return found[0];
  };
  const releases = (urn: string) => under(urn, "kubernetes:helm.sh/v3:Release");
  const releaseOf = (urn: string, chart: string) => {
    const found = releases(urn).filter((r) => r.inputs.chart === chart);
    assert.equal(found.length, 1);
    return found[0];
  };
  const ES = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";
  const KIBANA = "kubernetes:kibana.k8s.elastic.co/v1:Kibana";
  const LOGSTASH = "kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash";
  const JOB = "kubernetes:batch/v1:Job";
  const SECRET = "kubernetes:core/v1:Secret";
  const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
  const secretNamed = (urn: string, name: string) => {
    const found = under(urn, SECRET).filter(
      (r) => (revealSecrets(r.inputs.metadata) as { name?: string }).name === name,
    );
    assert.equal(found.length, 1, `expected one Secret ${name}`);
    return found[0];
  };

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    dev = new Logging("dev", args());
    prod = new Logging(
      "prod",
      args({
        namespace: "logging-prod",
        nodeCount: 3,
        highAvailability: true,
        storageClassName: "gp3-encrypted-prod",
        storageGiB: 200,
        retentionDays: 30,
      }),
    );
    await capture.settle();
    [devUrn, prodUrn] = await Promise.all([valueOf(dev.urn), valueOf(prod.urn)]);
    assert.equal(dev.elasticsearchUrl, "https://logs-es-http.logging.svc:9200");
    assert.equal(prod.elasticsearchUrl, "https://logs-es-http.logging-prod.svc:9200");
    assert.deepEqual(dev.users, {
      metrics: {
        secretName: "acme-es-metrics-user",
        username: "acme-metrics",
        usernameKey: "username",
        passwordKey: "password",
      },
      jaeger: {
        secretName: "acme-es-jaeger-user",
        username: "acme-jaeger",
        usernameKey: "username",
        passwordKey: "password",
      },
      traceCleaner: {
        secretName: "acme-es-trace-cleaner-user",
        username: "acme-trace-cleaner",
        usernameKey: "username",
        passwordKey: "password",
      },
      ilm: {
        secretName: "acme-es-ilm-user",
        username: "acme-ilm",
        usernameKey: "username",
        passwordKey: "password",
      },
      grafana: {
        secretName: "acme-es-grafana-user",
        username: "acme-grafana",
        usernameKey: "username",
        passwordKey: "password",
      },
    });
    assert.equal(dev.elasticsearchCaSecretName, "logs-es-http-certs-public");
    assert.equal(dev.logstashUrl, "http://logs-ls-http.logging.svc:8080");
  });

  it("installs both charts as pinned in components/lib/charts.ts, in every stack", () => {
    for (const urn of [devUrn, prodUrn]) {
      for (const pin of [CHARTS.eckOperator, CHARTS.fluentBit]) {
        const { chart, version, repositoryOpts } = releaseOf(urn, pin.name).inputs;
        assert.deepEqual({ chart, version, repositoryOpts }, pinnedChart(pin));
      }
    }
  });

  it("installs the operator watching only its namespace", () => {
    const r = releaseOf(devUrn, CHARTS.eckOperator.name);
    const { values, ...rest } = r.inputs;
    assert.deepEqual(rest, {
      compat: "true",
      name: "elastic-operator",
      ...pinnedChart(CHARTS.eckOperator),
      namespace: "logging",
    });
    assert.deepEqual(values, {
      installCRDs: true,
      managedNamespaces: ["logging"],
      createClusterScopedResources: true,
      telemetry: { disabled: true },
      resources: { requests: { cpu: "100m", memory: "150Mi" }, limits: { memory: "1Gi" } },
    });
    assert.deepEqual(
      (releaseOf(prodUrn, CHARTS.eckOperator.name).inputs.values as Record<string, unknown>)
        .managedNamespaces,
      ["logging-prod"],
    );
  });

  it("runs one Elasticsearch node with TLS on the given StorageClass in dev", () => {
    const es = one(devUrn, ES);
    assert.deepEqual(es.inputs.metadata, { name: "logs", namespace: "logging" });
    assert.deepEqual(es.inputs.spec, {
      version: "8.19.7",
      auth: {
        roles: [{ secretName: "acme-es-roles" }],
        fileRealm: [
          { secretName: "acme-es-metrics-user" },
          { secretName: "acme-es-jaeger-user" },
          { secretName: "acme-es-trace-cleaner-user" },
          { secretName: "acme-es-ilm-user" },
          { secretName: "acme-es-grafana-user" },
        ],
      },
      http: { tls: { certificate: { secretName: "acme-es-http-ca" } } },
      volumeClaimDeletePolicy: "DeleteOnScaledownOnly",
      nodeSets: [
        {
          name: "default",
          count: 1,
          config: { "node.roles": ["master", "data", "ingest"], "node.store.allow_mmap": false },
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
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "elasticsearch-data" },
              spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: "gp3-encrypted",
                resources: { requests: { storage: "50Gi" } },
              },
            },
          ],
        },
      ],
    });
  });

  it("runs three zone-spread Elasticsearch nodes in prod", () => {
    const spec = one(prodUrn, ES).inputs.spec as {
      nodeSets: Array<Record<string, unknown>>;
    };
    assert.equal(spec.nodeSets.length, 1);
    const set = spec.nodeSets[0];
    assert.equal(set.count, 3);
    assert.deepEqual(set.volumeClaimTemplates, [
      {
        metadata: { name: "elasticsearch-data" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "gp3-encrypted-prod",
          resources: { requests: { storage: "200Gi" } },
        },
      },
    ]);
    assert.deepEqual((set.podTemplate as { spec: { affinity: unknown } }).spec.affinity, {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              topologyKey: "topology.kubernetes.io/zone",
              labelSelector: {
                matchLabels: { "elasticsearch.k8s.elastic.co/cluster-name": "logs" },
              },
            },
          },
        ],
      },
    });
  });

  it("connects Kibana and Logstash through ECK references, one each in dev and two in prod", () => {
    for (const [urn, ns, count] of [
      [devUrn, "logging", 1],
      [prodUrn, "logging-prod", 2],
    ] as const) {
      const kibana = one(urn, KIBANA).inputs;
      assert.deepEqual(kibana.metadata, { name: "logs", namespace: ns });
      assert.deepEqual(kibana.spec, {
        version: "8.19.7",
        count,
        elasticsearchRef: { name: "logs" },
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
      });
      const logstash = one(urn, LOGSTASH).inputs;
      assert.deepEqual(logstash.spec, {
        version: "8.19.7",
        count,
        elasticsearchRefs: [{ name: "logs", clusterName: "logs" }],
        pipelines: [{ "pipeline.id": "containers", "config.string": logstashPipeline() }],
        services: [
          {
            name: "http",
            service: {
              spec: {
                type: "ClusterIP",
                ports: [{ name: "http", port: 8080, targetPort: 8080, protocol: "TCP" }],
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
              {
                name: "metrics",
                image: "kuskoman/logstash-exporter:v1.9.1",
                env: [
                  { name: "LOGSTASH_URL", value: "https://localhost:9600" },
                  { name: "HTTP_INSECURE", value: "true" },
                  { name: "PORT", value: "9198" },
                ],
                ports: [{ name: "metrics", containerPort: 9198, protocol: "TCP" }],
                livenessProbe: {
                  httpGet: { path: "/", port: "metrics" },
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
              },
            ],
          },
        },
      });
    }
  });

  it("scrapes Fluent Bit and each Logstash pod's exporter with PodMonitors in the monitoring namespace", () => {
    const [fluentBit, logstash] = logShippingPodMonitors("monitoring", "logging-prod");
    assert.deepEqual(fluentBit, {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "fluent-bit", namespace: "monitoring" },
      spec: {
        namespaceSelector: { matchNames: ["logging-prod"] },
        selector: {
          matchLabels: {
            "app.kubernetes.io/name": "fluent-bit",
            "app.kubernetes.io/instance": "fluent-bit",
          },
        },
        podMetricsEndpoints: [
          { interval: "60s", port: "http", path: "/api/v2/metrics/prometheus" },
        ],
      },
    });
    assert.deepEqual(logstash, {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "logstash", namespace: "monitoring" },
      spec: {
        namespaceSelector: { matchNames: ["logging-prod"] },
        selector: { matchLabels: { "common.k8s.elastic.co/type": "logstash" } },
        podMetricsEndpoints: [{ interval: "60s", port: "metrics", path: "/metrics" }],
      },
    });
    for (const m of [fluentBit, logstash]) assert.deepEqual(validateManifest(m as Manifest), []);
    // The release the Fluent Bit monitor selects by instance.
    assert.equal(releaseOf(prodUrn, CHARTS.fluentBit.name).inputs.name, "fluent-bit");
  });

  it("parses JSON logs into service, namespace and trace_id and writes to Elasticsearch over TLS", () => {
    const pipeline = logstashPipeline();
    assert.match(pipeline, /http \{ id => "fluent-bit" port => 8080 codec => json \}/);
    // The `plugin_id` label of LogstashDocumentsRejected.
    assert.match(pipeline, /elasticsearch \{\n {4}id => "elasticsearch"\n/);
    assert.match(
      pipeline,
      /json \{ source => "log" target => "app" skip_on_invalid_json => true \}/,
    );
    assert.match(pipeline, /"namespace" => "%\{\[kubernetes\]\[namespace_name\]\}"/);
    assert.match(
      pipeline,
      /"service" => "%\{\[kubernetes\]\[labels\]\[app.kubernetes.io\/name\]\}"/,
    );
    assert.match(pipeline, /"trace_id" => "%\{\[app\]\[trace_id\]\}"/);
    assert.match(pipeline, /\(\?<trace_id>\[0-9a-f\]\{32\}\)/);
    assert.match(pipeline, /ssl_enabled => true/);
    assert.match(pipeline, /password => "\$\{LOGS_ES_PASSWORD\}"/);
    assert.match(
      pipeline,
      /ssl_certificate_authorities => "\$\{LOGS_ES_SSL_CERTIFICATE_AUTHORITY\}"/,
    );
    assert.match(pipeline, /data_stream_dataset => "acme"/);
  });

  it("ships every node's container logs to Logstash with Fluent Bit", () => {
    const r = releaseOf(devUrn, CHARTS.fluentBit.name);
    assert.equal(r.inputs.namespace, "logging");
    assert.equal(r.inputs.version, CHARTS.fluentBit.version);
    const values = r.inputs.values as {
      kind: string;
      tolerations: unknown;
      config: Record<string, string>;
    };
    assert.equal(values.kind, "DaemonSet");
    assert.deepEqual(values.tolerations, [{ operator: "Exists" }]);
    assert.deepEqual(Object.keys(values.config).sort(), ["filters", "inputs", "outputs"]);
    assert.match(values.config.inputs, /Path {14}\/var\/log\/containers\/\*\.log/);
    assert.match(values.config.filters, /Name {14}kubernetes/);
    assert.match(values.config.outputs, /Host {14}logs-ls-http\.logging\.svc/);
    assert.match(values.config.outputs, /Port {14}8080/);
    assert.match(values.config.outputs, /Format {12}json/);
    // The `name` label of the metrics the log-path alerts group by.
    assert.match(values.config.inputs, /Alias {13}containers\n/);
    // A position database on the node, so a restarted pod resumes where the last one stopped.
    assert.match(values.config.inputs, /DB {16}\/var\/log\/fluent-bit-containers\.db\n/);
    assert.match(values.config.inputs, /DB\.locking {8}true\n/);
    assert.match(values.config.outputs, /Alias {13}logstash\n/);
    // The chart's own [SERVICE] (HTTP server on metricsPort) stays: the PodMonitor scrapes it.
    assert.equal((r.inputs.values as { config: { service?: string } }).config.service, undefined);
    assert.equal((r.inputs.values as { metricsPort?: number }).metricsPort, undefined);
  });

  it("applies the logs' retention policy with a Job that authenticates as its own user", () => {
    for (const [urn, ns, logs] of [
      [devUrn, "logging", 7],
      [prodUrn, "logging-prod", 30],
    ] as const) {
      const job = one(urn, JOB).inputs as {
        metadata: unknown;
        spec: { template: { spec: Record<string, unknown> } };
      };
      assert.deepEqual(job.metadata, { namespace: ns });
      const pod = job.spec.template.spec as {
        containers: Array<{ args: string[]; image: string }>;
        volumes: unknown;
      };
      assert.deepEqual(pod.volumes, [
        {
          name: "user",
          secret: {
            secretName: "acme-es-ilm-user",
            items: [
              { key: "username", path: "username" },
              { key: "password", path: "password" },
            ],
          },
        },
        { name: "ca", secret: { secretName: "logs-es-http-certs-public" } },
      ]);
      const script = pod.containers[0].args[0];
      assert.ok(script.includes('AUTH="$(cat /secrets/username):$(cat /secrets/password)"'));
      assert.ok(!script.includes("elastic:"), "the Job does not log in as elastic");
      assert.ok(script.includes(`ES=https://logs-es-http.${ns}.svc:9200`));
      assert.ok(
        script.includes(
          `_ilm/policy/acme-logs" -d '{"policy":{"phases":{"hot":{"actions":{"rollover":{"max_age":"1d","max_primary_shard_size":"50gb"}}},"delete":{"min_age":"${logs}d"`,
        ),
      );
      assert.ok(script.includes('"index.lifecycle.name":"acme-logs"'));
      // Traces are the es-index-cleaner's (Tracing): a template of ours matching Jaeger's indices
      // would outrank Jaeger's own mapping templates.
      assert.doesNotMatch(script, /jaeger|acme-traces/i);
      assert.equal(script.match(/_ilm\/policy\//g)?.length, 1);
      assert.equal(script.match(/_index_template\//g)?.length, 1);
      assert.ok(script.includes("--cacert /certs/ca.crt"));
      assert.equal(
        validateManifest({ apiVersion: "batch/v1", kind: "Job", ...job } as Manifest).length,
        0,
      );
    }
  });

  it("gives every index at most (data nodes - 1) replicas: none on one node, one on 3 or 5", () => {
    for (const [nodes, replicas] of [
      [1, 0],
      [3, 1],
      [5, 1],
    ] as const) {
      assert.equal(elasticsearchIndexReplicas(nodes), replicas, `${nodes} nodes`);
    }
    for (const bad of [0, -1, 2.5, Number.NaN, "3" as unknown as number]) {
      assert.throws(
        () => elasticsearchIndexReplicas(bad),
        new RegExp(
          `dataNodes must be a whole number of at least 1 \\(LoggingArgs.nodeCount\\); got ${String(bad)}$`,
        ),
        String(bad),
      );
    }
    assert.equal(dev.indexReplicas, 0);
    assert.equal(prod.indexReplicas, 1);
  });

  it("puts the logs' replica count in their index template: 0 in dev (one node), 1 in prod", () => {
    for (const [urn, replicas] of [
      [devUrn, 0],
      [prodUrn, 1],
    ] as const) {
      const job = one(urn, JOB).inputs as {
        spec: { template: { spec: { containers: Array<{ args: string[] }> } } };
      };
      const script = job.spec.template.spec.containers[0].args[0];
      const body = /_index_template\/acme-logs" -d '([^']*)'/.exec(script)?.[1];
      assert.ok(body, "the Job puts the acme-logs template");
      const template = JSON.parse(body) as {
        index_patterns: string[];
        template: { settings: Record<string, unknown> };
      };
      assert.deepEqual(template.index_patterns, ["logs-acme-*"]);
      assert.deepEqual(template.template.settings, {
        "index.lifecycle.name": "acme-logs",
        "index.number_of_replicas": replicas,
      });
    }
  });

  it("creates the log writer only after the retention Job has put the template", () => {
    // A first write before the acme-logs template exists creates the data stream from the
    // built-in `logs` template, whose policy never deletes. Logstash is the only writer of
    // logs-acme-* (Fluent Bit posts to it), and Pulumi awaits the Job's completion.
    for (const urn of [devUrn, prodUrn]) {
      const job = one(urn, JOB);
      const logstash = one(urn, LOGSTASH);
      const fluentBit = releaseOf(urn, CHARTS.fluentBit.name);
      assert.ok(
        (logstash.dependencies ?? []).includes(job.urn),
        "Logstash waits for the retention Job",
      );
      assert.ok(
        (fluentBit.dependencies ?? []).includes(logstash.urn),
        "Fluent Bit waits for Logstash",
      );
      const script = (
        job.inputs as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }
      ).spec.template.spec.containers[0].args[0];
      assert.ok(script.includes(`"index_patterns":["${LOG_INDEX_PATTERN}"]`));
    }
    // The pattern is the one the Job's role may manage (roles.yml), and Logstash's data stream
    // falls under it.
    const roles = parseYaml(elasticsearchRolesYaml()) as Record<
      string,
      { indices: Array<{ names: string[] }> }
    >;
    assert.deepEqual(roles[ELASTICSEARCH_CLIENTS.ilm.role].indices[0].names, [LOG_INDEX_PATTERN]);
    assert.match(logstashPipeline(), /data_stream_type => "logs"/);
    assert.match(logstashPipeline(), /data_stream_dataset => "acme"/);
    assert.match("logs-acme-default", new RegExp(`^${LOG_INDEX_PATTERN.replace("*", ".*")}$`));
  });

  it("puts the retention policy on log indices that already exist, whatever created them", () => {
    for (const [urn, replicas] of [
      [devUrn, 0],
      [prodUrn, 1],
    ] as const) {
      const script = (
        one(urn, JOB).inputs as {
          spec: { template: { spec: { containers: Array<{ args: string[] }> } } };
        }
      ).spec.template.spec.containers[0].args[0];
      const lines = script.split("\n");
      const update = `req -X PUT "$ES/logs-acme-*/_settings?allow_no_indices=true" -d '{"index.lifecycle.name":"acme-logs","index.number_of_replicas":${replicas}}'`;
      assert.equal(lines.filter((l) => l === update).length, 1);
      // After the policy and the template it names.
      const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
      assert.ok(at('req -X PUT "$ES/_ilm/policy/acme-logs"') < lines.indexOf(update));
      assert.ok(at('req -X PUT "$ES/_index_template/acme-logs"') < lines.indexOf(update));
    }
  });

  it("defines exactly the five least-privilege roles in roles.yml", () => {
    const expected = [
      "acme_metrics:",
      "  cluster: [ 'monitor' ]",
      "  indices:",
      "    - names: [ '*' ]",
      "      privileges: [ 'monitor' ]",
      "acme_jaeger:",
      "  cluster: [ 'monitor', 'manage_index_templates' ]",
      "  indices:",
      "    - names: [ 'jaeger-jaeger-*' ]",
      "      privileges: [ 'create_index', 'write', 'read' ]",
      "acme_trace_cleaner:",
      "  indices:",
      "    - names: [ 'jaeger-jaeger-*' ]",
      "      privileges: [ 'view_index_metadata', 'delete_index' ]",
      "acme_ilm:",
      "  cluster: [ 'monitor', 'manage_ilm', 'manage_index_templates' ]",
      "  indices:",
      "    - names: [ 'logs-acme-*' ]",
      "      privileges: [ 'manage' ]",
      "acme_grafana:",
      "  cluster: [ 'monitor' ]",
      "  indices:",
      "    - names: [ 'logs-acme-*' ]",
      "      privileges: [ 'read', 'view_index_metadata' ]",
      "",
    ].join("\n");
    assert.equal(elasticsearchRolesYaml(), expected);
    assert.deepEqual(parseYaml(elasticsearchRolesYaml()), {
      acme_metrics: { cluster: ["monitor"], indices: [{ names: ["*"], privileges: ["monitor"] }] },
      acme_jaeger: {
        cluster: ["monitor", "manage_index_templates"],
        indices: [{ names: ["jaeger-jaeger-*"], privileges: ["create_index", "write", "read"] }],
      },
      acme_trace_cleaner: {
        indices: [
          { names: ["jaeger-jaeger-*"], privileges: ["view_index_metadata", "delete_index"] },
        ],
      },
      acme_ilm: {
        cluster: ["monitor", "manage_ilm", "manage_index_templates"],
        indices: [{ names: ["logs-acme-*"], privileges: ["manage"] }],
      },
      acme_grafana: {
        cluster: ["monitor"],
        indices: [{ names: ["logs-acme-*"], privileges: ["read", "view_index_metadata"] }],
      },
    });
    for (const [urn, ns] of [
      [devUrn, "logging"],
      [prodUrn, "logging-prod"],
    ] as const) {
      const roles = secretNamed(urn, "acme-es-roles");
      assert.deepEqual(revealSecrets(roles.inputs), {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "acme-es-roles", namespace: ns },
        type: "Opaque",
        stringData: { "roles.yml": expected },
      });
      assert.deepEqual(validateManifest(revealSecrets(roles.inputs) as Manifest), []);
    }
  });

  it("gives each client a basic-auth user with a generated, secret password and one role", () => {
    const passwords = under(devUrn, RANDOM_PASSWORD);
    assert.equal(passwords.length, 5);
    for (const p of passwords) {
      assert.equal(p.inputs.length, 32);
      assert.equal(p.inputs.special, false);
    }
    for (const [urn, ns] of [
      [devUrn, "logging"],
      [prodUrn, "logging-prod"],
    ] as const) {
      const seen = new Set<string>();
      const generated = new Set(
        under(urn, RANDOM_PASSWORD).map((p) => String(revealSecrets(p.outputs.result))),
      );
      for (const c of Object.values(ELASTICSEARCH_CLIENTS)) {
        const secret = secretNamed(urn, c.secretName);
        assert.equal(secret.inputs.type, "kubernetes.io/basic-auth");
        assert.deepEqual(secret.inputs.metadata, { name: c.secretName, namespace: ns });
        // (The Kubernetes SDK marks every Secret's stringData secret, so that is not checked here.)
        const data = revealSecrets(secret.inputs.stringData) as Record<string, string>;
        assert.deepEqual(Object.keys(data).sort(), ["password", "roles", "username"]);
        assert.equal(data.username, c.username);
        assert.equal(data.roles, c.role);
        assert.match(data.password, /^[A-Za-z0-9]{32}$/);
        // Generated by this component's RandomPassword, never typed into code or config.
        assert.ok(generated.has(data.password), `${c.secretName} holds a generated password`);
        assert.ok(!seen.has(data.password), "every user has its own password");
        seen.add(data.password);
        assert.deepEqual(
          validateManifest(revealSecrets(secret.inputs) as Manifest),
          [],
          c.secretName,
        );
        // Nothing else the component registers carries the password.
        for (const other of [...capture.resources.values()]) {
          if (other === secret || other.type === RANDOM_PASSWORD) continue;
          assert.ok(
            !JSON.stringify(revealSecrets(other.inputs)).includes(data.password),
            `${other.type} ${other.name} carries the ${c.username} password`,
          );
        }
      }
    }
    assert.deepEqual(
      Object.values(ELASTICSEARCH_CLIENTS).map((c) => [c.username, c.role]),
      [
        ["acme-metrics", "acme_metrics"],
        ["acme-jaeger", "acme_jaeger"],
        ["acme-trace-cleaner", "acme_trace_cleaner"],
        ["acme-ilm", "acme_ilm"],
        ["acme-grafana", "acme_grafana"],
      ],
    );
  });

  it("creates the roles and users before the Elasticsearch that reads them", () => {
    const es = one(devUrn, ES);
    const deps = new Set(es.dependencies ?? []);
    for (const name of [
      "acme-es-roles",
      ...Object.values(ELASTICSEARCH_CLIENTS).map((c) => c.secretName),
    ]) {
      assert.ok(deps.has(secretNamed(devUrn, name).urn), `Elasticsearch waits for ${name}`);
    }
  });

  it("validates spec.auth against the ECK CRD, which rejects a malformed one", () => {
    const manifest = elasticsearchManifest({
      name: "logs",
      namespace: "logging",
      nodeCount: 1,
      storageClassName: "gp3-encrypted",
      storageGiB: 50,
    }) as { spec: { auth: Record<string, unknown> } };
    assert.deepEqual(validateManifest(manifest as unknown as Manifest), []);
    manifest.spec.auth = { ...manifest.spec.auth, fileRealm: [{ secret: "acme-es-ilm-user" }] };
    assert.notDeepEqual(validateManifest(manifest as unknown as Manifest), []);
  });

  it("hands no client the elastic superuser", () => {
    for (const urn of [devUrn, prodUrn]) {
      for (const r of [...under(urn, JOB), ...under(urn, ES), ...releases(urn)]) {
        assert.doesNotMatch(JSON.stringify(revealSecrets(r.inputs)), /es-elastic-user/, r.name);
      }
    }
    // The other clients, built from this component's outputs as the stack builds them.
    const jaeger = jaegerValues({
      elasticsearch: {
        namespace: dev.namespace,
        url: dev.elasticsearchUrl,
        credentialsSecretName: dev.users.jaeger.secretName,
        cleanerCredentialsSecretName: dev.users.traceCleaner.secretName,
        caSecretName: dev.elasticsearchCaSecretName,
        indexReplicas: dev.indexReplicas,
      },
      highAvailability: false,
      traceRetentionDays: 7,
    });
    const exporter = elasticsearchExporterDeployment({
      namespace: dev.namespace,
      elasticsearchUrl: dev.elasticsearchUrl,
      credentialsSecretName: dev.users.metrics.secretName,
      caSecretName: dev.elasticsearchCaSecretName,
    });
    for (const rendered of [JSON.stringify(jaeger), JSON.stringify(exporter)]) {
      assert.doesNotMatch(rendered, /es-elastic-user|"username":"elastic"|"value":"elastic"/);
    }
    // Each its own user: Jaeger and the exporter mount their Secret as files.
    assert.match(JSON.stringify(jaeger), /"secretName":"acme-es-jaeger-user","items":\[/);
    assert.match(JSON.stringify(jaeger), /"name":"acme-es-trace-cleaner-user","key":"password"/);
    assert.match(JSON.stringify(exporter), /"secretName":"acme-es-metrics-user","items":\[/);
  });

  it("renders values every chart accepts", () => {
    for (const urn of [devUrn, prodUrn]) {
      for (const [chart, freeForm] of [
        [CHARTS.eckOperator, ECK_OPERATOR_FREE_FORM_VALUES],
        [CHARTS.fluentBit, FLUENT_BIT_FREE_FORM_VALUES],
      ] as const) {
        const r = releaseOf(urn, chart.name);
        assert.deepEqual(
          checkHelmValues(
            chart.name,
            chart.version,
            r.inputs.values as Record<string, unknown>,
            freeForm,
          ),
          [],
        );
      }
    }
  });

  it("renders custom resources that pass the ECK CRD schemas", () => {
    for (const urn of [devUrn, prodUrn]) {
      for (const type of [ES, KIBANA, LOGSTASH]) {
        const r = one(urn, type);
        assert.deepEqual(validateManifest(r.inputs as Manifest), [], `${type} under ${urn}`);
      }
    }
  });

  it("puts no credential in any value or spec", () => {
    // The detector itself: a literal is caught, a reference is not.
    assert.match('{"password":"hunter22"}', PASSWORD_LIKE);
    assert.match("password => hunter22", PASSWORD_LIKE);
    assert.doesNotMatch('{"password":"${env:ES_PASSWORD}"}', PASSWORD_LIKE);
    assert.doesNotMatch('password => "${LOGS_ES_PASSWORD}"', PASSWORD_LIKE);
    for (const urn of [devUrn, prodUrn]) {
      const rendered = [
        ...releases(urn),
        ...under(urn, ES),
        ...under(urn, KIBANA),
        ...under(urn, LOGSTASH),
        ...under(urn, JOB),
      ]
        .map((r) => JSON.stringify(r.inputs))
        .join("\n");
      assert.doesNotMatch(rendered, PASSWORD_LIKE);
      assert.doesNotMatch(rendered, /changeme/i);
    }
  });

  it("signs the HTTP certificates with the stack's own CA, whose key only ECK's Secret holds", async () => {
    for (const [urn, ns] of [
      [devUrn, "logging"],
      [prodUrn, "logging-prod"],
    ] as const) {
      const [key] = under(urn, "tls:index/privateKey:PrivateKey");
      assert.deepEqual([key.inputs.algorithm, key.inputs.ecdsaCurve], ["ECDSA", "P256"]);
      const [cert] = under(urn, "tls:index/selfSignedCert:SelfSignedCert");
      assert.equal(cert.inputs.isCaCertificate, true);
      assert.deepEqual(cert.inputs.allowedUses, ["cert_signing", "crl_signing"]);
      assert.equal(cert.inputs.validityPeriodHours, 87600);
      const secret = secretNamed(urn, "acme-es-http-ca");
      assert.equal((secret.inputs.metadata as { namespace: string }).namespace, ns);
      const data = revealSecrets(secret.inputs.stringData) as Record<string, string>;
      // ca.crt + ca.key and no tls.*: ECK issues the leaf certificates from this CA.
      assert.deepEqual(Object.keys(data).sort(), ["ca.crt", "ca.key"]);
      assert.equal(data["ca.key"], revealSecrets(key.outputs.privateKeyPem));
      assert.equal(data["ca.crt"], revealSecrets(cert.outputs.certPem));
      // The key appears nowhere else.
      for (const other of capture.resources.values()) {
        if (other === secret || other === key || other === cert) continue;
        assert.ok(
          !JSON.stringify(revealSecrets(other.inputs)).includes(data["ca.key"]),
          `${other.type} ${other.name} carries the CA key`,
        );
      }
      assert.deepEqual((one(urn, ES).inputs.spec as { http: unknown }).http, {
        tls: { certificate: { secretName: "acme-es-http-ca" } },
      });
      assert.ok(new Set(one(urn, ES).dependencies ?? []).has(secret.urn));
    }
  });

  it("hands Grafana its user's generated password and the CA certificate, as secret and public outputs", async () => {
    const grafanaSecret = secretNamed(devUrn, "acme-es-grafana-user");
    const data = revealSecrets(grafanaSecret.inputs.stringData) as Record<string, string>;
    assert.equal(dev.grafanaUser.username, "acme-grafana");
    assert.equal(await pulumi.isSecret(dev.grafanaUser.password), true);
    assert.equal(revealSecrets(await valueOf(dev.grafanaUser.password)), data.password);
    const [cert] = under(devUrn, "tls:index/selfSignedCert:SelfSignedCert");
    assert.equal(await valueOf(dev.elasticsearchCaPem), cert.outputs.certPem);
  });

  it("never disables Elasticsearch TLS", () => {
    const rendered = JSON.stringify(one(prodUrn, ES).inputs);
    assert.ok(!rendered.includes('"disabled":true'));
  });

  it("rejects bad arguments with every problem named", () => {
    const errors = validateLoggingArgs({
      provider: undefined as unknown as k8s.Provider,
      namespace: "kube-system",
      nodeCount: 2,
      highAvailability: true,
      storageClassName: "Not_A_Class",
      storageGiB: 5,
      retentionDays: 0,
    });
    assert.deepEqual(
      errors.map((e) => e.propertyPath),
      ["provider", "namespace", "nodeCount", "storageClassName", "storageGiB", "retentionDays"],
    );
    assert.deepEqual(validateLoggingArgs(args({ highAvailability: true })), [
      {
        propertyPath: "nodeCount",
        reason: "highAvailability needs at least 3 Elasticsearch nodes",
      },
    ]);
    assert.throws(() => new Logging("bad", args({ storageGiB: 1 })), /storageGiB/);
  });
});
