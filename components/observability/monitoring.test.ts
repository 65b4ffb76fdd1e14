import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { checkHelmValues } from "../../tools/checks/helmValues";
import { HELM_FREE_FORM } from "../../tools/checks/helmFreeForm";
import { validateManifest } from "../../tools/checks/manifests";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { revealSecrets } from "../../tools/stackExport";
import {
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  pinnedChart,
  policyOf,
  simulateIam,
  single,
  TEST_REGION,
  valueOf,
} from "../../tools/testing";
import { CHARTS } from "../lib";
import { dashboardFiles } from "./grafana";
import { Monitoring, type MonitoringArgs, podMonitors, validateMonitoringArgs } from "./monitoring";

const CLUSTER = "acme-test";
const BROKERS =
  "b-2.msk.abc.kafka.eu-west-1.amazonaws.com:9098,b-1.msk.abc.kafka.eu-west-1.amazonaws.com:9098";
const HOSTS = [
  "b-1.msk.abc.kafka.eu-west-1.amazonaws.com",
  "b-2.msk.abc.kafka.eu-west-1.amazonaws.com",
];

/** Parsed Helm values and YAML, navigated freely in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const ES_PASSWORD = "es-password-for-grafana-0123";
const ES_CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBes-http-ca\n-----END CERTIFICATE-----\n";
const HEARTBEAT_TOPIC = `arn:aws:sns:${TEST_REGION}:${MOCK_ACCOUNT_ID}:heartbeat-1a2b3c4`;
const PAGER_TOPIC = `arn:aws:sns:${TEST_REGION}:${MOCK_ACCOUNT_ID}:pager`;
const ALERTS_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

describe("Monitoring", () => {
  let capture: Capture;
  let provider: k8s.Provider;
  let devUrn: string;
  let prodUrn: string;

  const args = (overrides: Partial<MonitoringArgs> = {}): MonitoringArgs => ({
    provider,
    highAvailability: false,
    prometheus: { retention: "15d", storageGiB: 50 },
    storageClassName: "gp3-encrypted",
    elasticsearchUrl: "https://logs-es-http.logging.svc:9200",
    elasticsearchAuth: {
      username: "acme-grafana",
      password: pulumi.secret(ES_PASSWORD),
      caPem: ES_CA_PEM,
    },
    tracingQueryUrl: "http://jaeger-query.tracing.svc:16686",
    mskBrokers: { bootstrapBrokers: BROKERS },
    clusterName: CLUSTER,
    region: TEST_REGION,
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    ...overrides,
  });

  const releases = (urn: string) => ofType(capture, "kubernetes:helm.sh/v3:Release", urn);
  const stackRelease = (urn: string) => {
    const found = releases(urn).filter((r) => r.inputs.chart === CHARTS.kubePrometheusStack.name);
    assert.equal(found.length, 1);
    return found[0];
  };
  const yaceRelease = (urn: string) => {
    const found = releases(urn).filter((r) => r.inputs.chart === CHARTS.yace.name);
    assert.equal(found.length, 1);
    return found[0];
  };
  const valuesOf = (r: CapturedResource) => r.inputs.values as Json;

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const dev = new Monitoring("dev", args());
    const prod = new Monitoring(
      "prod",
      args({
        namespace: "monitoring-prod",
        highAvailability: true,
        prometheus: { retention: "30d", storageGiB: 200 },
        // The Secret's name defaults to "alertmanager-config".
        alertmanagerConfig: { yaml: "route: {}\n" },
        alertmanagerCredentials: [
          { ref: { name: "alertmanager-slack", key: "webhook-url" }, value: "slack-url" },
          { ref: { name: "alertmanager-pagerduty", key: "routing-key" }, value: "pd-key" },
        ],
        alertmanagerSns: { topicArns: [HEARTBEAT_TOPIC, PAGER_TOPIC], kmsKeyArn: ALERTS_KEY },
      }),
    );
    await capture.settle();
    [devUrn, prodUrn] = await Promise.all([valueOf(dev.urn), valueOf(prod.urn)]);
  });

  it("installs both charts as pinned in components/lib/charts.ts, in every stack", () => {
    for (const urn of [devUrn, prodUrn]) {
      for (const [release, pin] of [
        [stackRelease(urn), CHARTS.kubePrometheusStack],
        [yaceRelease(urn), CHARTS.yace],
      ] as const) {
        const { chart, version, repositoryOpts } = release.inputs;
        assert.deepEqual({ chart, version, repositoryOpts }, pinnedChart(pin));
      }
    }
  });

  it("creates an unmeshed namespace", () => {
    const [ns] = ofType(capture, "kubernetes:core/v1:Namespace", devUrn);
    assert.deepEqual(ns.inputs.metadata, {
      name: "monitoring",
      annotations: { "linkerd.io/inject": "disabled" },
    });
  });

  it("generates the Grafana admin password itself, aliased from the stack's root", () => {
    const passwords = ofType(capture, "random:index/randomPassword:RandomPassword", devUrn);
    assert.equal(passwords.length, 1);
    assert.equal(passwords[0].name, "dev-grafana-admin");
    assert.deepEqual(passwords[0].inputs, { length: 32, special: false });
    // The stack program generated it at the root before the component owned it: aliased, so an
    // existing stack keeps the password Grafana stored at its first start.
    assert.deepEqual(passwords[0].aliases, [
      "urn:pulumi:test::acme-platform::random:index/randomPassword:RandomPassword::grafana-admin",
    ]);
  });

  it("keeps the Grafana admin password in a Secret and out of the Helm values", () => {
    const [password] = ofType(capture, "random:index/randomPassword:RandomPassword", devUrn);
    const PASSWORD = revealSecrets(password.outputs.result) as string;
    assert.equal(PASSWORD.length, 32);
    const secrets = ofType(capture, "kubernetes:core/v1:Secret", devUrn).filter(
      (s) => (s.inputs.metadata as { name: string }).name === "grafana-admin",
    );
    assert.equal(secrets.length, 1);
    // The whole map is registered as a secret, since one of its values is.
    assert.deepEqual(secrets[0].inputs.stringData, {
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: { "admin-user": "admin", "admin-password": PASSWORD },
    });
    assert.ok(
      secrets[0].dependencies.includes(password.urn),
      "the Secret holds the generated password",
    );
    for (const urn of [devUrn, prodUrn]) {
      for (const r of releases(urn)) {
        assert.ok(!JSON.stringify(r.inputs).includes(PASSWORD), `${r.name} carries the password`);
      }
      const grafana = valuesOf(stackRelease(urn)).grafana;
      assert.deepEqual(grafana.admin, {
        existingSecret: "grafana-admin",
        userKey: "admin-user",
        passwordKey: "admin-password",
      });
      assert.equal(grafana.adminPassword, undefined);
    }
  });

  it("installs the pinned stack with retention and an encrypted volume, single replicas in dev", () => {
    const r = stackRelease(devUrn);
    const { values: _values, ...rest } = r.inputs;
    assert.deepEqual(rest, {
      compat: "true",
      name: "kube-prometheus-stack",
      ...pinnedChart(CHARTS.kubePrometheusStack),
      namespace: "monitoring",
    });
    const v = valuesOf(r);
    assert.deepEqual(v.alertmanager, {
      serviceAccount: { name: "alertmanager" },
      alertmanagerSpec: {
        replicas: 1,
        storage: {
          volumeClaimTemplate: {
            spec: {
              storageClassName: "gp3-encrypted",
              accessModes: ["ReadWriteOnce"],
              resources: { requests: { storage: "5Gi" } },
            },
          },
        },
      },
    });
    assert.deepEqual(v.prometheus, {
      prometheusSpec: {
        replicas: 1,
        retention: "15d",
        storageSpec: {
          volumeClaimTemplate: {
            spec: {
              storageClassName: "gp3-encrypted",
              accessModes: ["ReadWriteOnce"],
              resources: { requests: { storage: "50Gi" } },
            },
          },
        },
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        additionalScrapeConfigs: [
          {
            job_name: "msk-jmx-exporter",
            static_configs: [{ targets: HOSTS.map((h) => `${h}:11001`) }],
            relabel_configs: [
              { source_labels: ["__address__"], regex: "([^:]+):\\d+", target_label: "instance" },
            ],
          },
          {
            job_name: "msk-node-exporter",
            static_configs: [{ targets: HOSTS.map((h) => `${h}:11002`) }],
            relabel_configs: [
              { source_labels: ["__address__"], regex: "([^:]+):\\d+", target_label: "instance" },
            ],
          },
        ],
      },
    });
  });

  it("creates Alertmanager's config and credential Secrets itself, before the release", () => {
    const secrets = ofType(capture, "kubernetes:core/v1:Secret", prodUrn);
    const byName = new Map(
      secrets.map((s) => [
        (s.inputs.metadata as { name: string }).name,
        { resource: s, data: revealSecrets(s.inputs.stringData) },
      ]),
    );
    assert.deepEqual([...byName.keys()].sort(), [
      "alertmanager-config",
      "alertmanager-pagerduty",
      "alertmanager-slack",
      "grafana-admin",
      "grafana-elasticsearch",
    ]);
    assert.deepEqual(byName.get("alertmanager-config")!.data, {
      "alertmanager.yaml": "route: {}\n",
    });
    assert.deepEqual(byName.get("alertmanager-pagerduty")!.data, { "routing-key": "pd-key" });
    assert.deepEqual(byName.get("alertmanager-slack")!.data, { "webhook-url": "slack-url" });
    // Created at the stack's root before the component owned it: aliased, not replaced.
    assert.deepEqual(byName.get("alertmanager-config")!.resource.aliases, [
      "urn:pulumi:test::acme-platform::kubernetes:core/v1:Secret::alertmanager-config",
    ]);
    const release = stackRelease(prodUrn);
    for (const { resource } of byName.values()) {
      assert.ok(
        release.dependencies.includes(resource.urn),
        `the release waits for ${resource.name}`,
      );
    }
    const v = valuesOf(release);
    assert.deepEqual(v.alertmanager.alertmanagerSpec.secrets, [
      "alertmanager-pagerduty",
      "alertmanager-slack",
    ]);
    const values = JSON.stringify(release.inputs);
    assert.ok(
      !values.includes("pd-key") && !values.includes("slack-url"),
      "no credential in values",
    );
  });

  it("runs 3 Alertmanagers and 2 Prometheus over zones with the given config Secret in prod", () => {
    const v = valuesOf(stackRelease(prodUrn));
    const spread = (name: string) => [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { "app.kubernetes.io/name": name } },
      },
    ];
    assert.equal(v.alertmanager.alertmanagerSpec.replicas, 3);
    assert.deepEqual(
      v.alertmanager.alertmanagerSpec.topologySpreadConstraints,
      spread("alertmanager"),
    );
    assert.equal(v.alertmanager.alertmanagerSpec.configSecret, "alertmanager-config");
    assert.deepEqual(v.alertmanager.podDisruptionBudget, { enabled: true, minAvailable: 2 });
    assert.equal(v.prometheus.prometheusSpec.replicas, 2);
    assert.deepEqual(v.prometheus.prometheusSpec.topologySpreadConstraints, spread("prometheus"));
    assert.equal(v.prometheus.prometheusSpec.retention, "30d");
    assert.equal(
      v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage,
      "200Gi",
    );
    assert.deepEqual(v.prometheus.podDisruptionBudget, { enabled: true, minAvailable: 1 });
    // Dev renders the chart's default Alertmanager configuration.
    assert.equal(
      valuesOf(stackRelease(devUrn)).alertmanager.alertmanagerSpec.configSecret,
      undefined,
    );
  });

  it("gives Grafana the logs password as a file of a Secret of its namespace, never in the values or env", () => {
    const values = valuesOf(stackRelease(devUrn));
    assert.deepEqual(values.grafana.extraSecretMounts, [
      {
        name: "elasticsearch-credentials",
        secretName: "grafana-elasticsearch",
        mountPath: "/etc/secrets/grafana-elasticsearch",
        readOnly: true,
      },
    ]);
    for (const key of ["env", "envValueFrom", "envFromSecret", "envFromSecrets"]) {
      assert.equal(values.grafana[key], undefined, `grafana.${key}`);
    }
    const [secret] = ofType(capture, "kubernetes:core/v1:Secret", devUrn).filter(
      (s) => (s.inputs.metadata as { name: string }).name === "grafana-elasticsearch",
    );
    assert.ok(secret, "the grafana-elasticsearch Secret");
    assert.equal((secret.inputs.metadata as { namespace: string }).namespace, "monitoring");
    assert.deepEqual(revealSecrets(secret.inputs.stringData), { password: ES_PASSWORD });
    assert.equal(JSON.stringify(values).includes(ES_PASSWORD), false, "password in the values");
  });

  it("leaves Grafana's provisioning expansion nothing but the mounted password file", () => {
    // Grafana expands $__file{path} to the file's content, then $NAME and ${NAME} from the
    // environment, in provisioned values; $$ is a literal $. The pod's environment defines none,
    // so the only expansion allowed is the password file, under the Secret's mount.
    const mount = valuesOf(stackRelease(devUrn)).grafana.extraSecretMounts[0].mountPath as string;
    const files: string[] = [];
    const variables: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === "string") {
        for (const m of v.matchAll(/\$\$|\$__file\{([^}]*)\}|\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
          if (m[1] !== undefined) files.push(m[1]);
          else if (m[0] !== "$$") variables.push(m[2]);
        }
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(valuesOf(stackRelease(devUrn)).grafana.additionalDataSources);
    assert.deepEqual(variables, [], "variables Grafana would replace with an empty string");
    assert.deepEqual(files, [`${mount}/password`]);
  });

  it("provisions dashboards through the sidecar and the logs and tracing datasources", () => {
    const grafana = valuesOf(stackRelease(devUrn)).grafana;
    assert.deepEqual(grafana.sidecar, {
      dashboards: {
        enabled: true,
        label: "grafana_dashboard",
        labelValue: "1",
        searchNamespace: "ALL",
      },
      datasources: {
        enabled: true,
        uid: "prometheus",
        exemplarTraceIdDestinations: { datasourceUid: "jaeger", traceIdLabelName: "trace_id" },
      },
    });
    assert.deepEqual(grafana.additionalDataSources, [
      {
        name: "Elasticsearch (logs)",
        uid: "elasticsearch-logs",
        type: "elasticsearch",
        access: "proxy",
        url: "https://logs-es-http.logging.svc:9200",
        // Its own user, the password only by reference to the mounted file, TLS verified.
        basicAuth: true,
        basicAuthUser: "acme-grafana",
        secureJsonData: {
          basicAuthPassword: "$__file{/etc/secrets/grafana-elasticsearch/password}",
          tlsCACert: ES_CA_PEM,
        },
        jsonData: {
          tlsAuthWithCACert: true,
          index: "logs-acme-*",
          timeField: "@timestamp",
          logMessageField: "message",
          logLevelField: "level",
          dataLinks: [{ field: "trace_id", url: "$${__value.raw}", datasourceUid: "jaeger" }],
        },
        editable: false,
      },
      {
        name: "Jaeger",
        uid: "jaeger",
        type: "jaeger",
        access: "proxy",
        url: "http://jaeger-query.tracing.svc:16686",
        jsonData: {
          tracesToLogsV2: {
            datasourceUid: "elasticsearch-logs",
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
    ]);
  });

  it("creates one labelled ConfigMap per dashboard file", () => {
    const maps = ofType(capture, "kubernetes:core/v1:ConfigMap", devUrn);
    const files = dashboardFiles();
    assert.deepEqual(
      files.map((f) => f.file),
      ["logging.json", "mesh.json", "platform-overview.json", "queues.json", "workflows.json"],
    );
    assert.equal(maps.length, files.length);
    for (const { file, json } of files) {
      const stem = file.replace(/\.json$/, "");
      const found = maps.filter((m) => m.name === `dev-dashboard-${stem}`);
      assert.equal(found.length, 1, file);
      assert.deepEqual(found[0].inputs.metadata, {
        name: `dashboard-${stem}`,
        namespace: "monitoring",
        labels: { grafana_dashboard: "1" },
      });
      assert.deepEqual(found[0].inputs.data, { [file]: json });
    }
  });

  it("sets only values the pinned charts have", () => {
    for (const urn of [devUrn, prodUrn]) {
      for (const r of [stackRelease(urn), yaceRelease(urn)]) {
        const chart = String(r.inputs.chart);
        assert.deepEqual(
          checkHelmValues(chart, String(r.inputs.version), valuesOf(r), HELM_FREE_FORM[chart]),
          [],
        );
      }
    }
  });

  it("scrapes Linkerd, Argo Events workloads, cert-manager and KEDA with valid PodMonitors", () => {
    const crs = ofType(capture, "kubernetes:monitoring.coreos.com/v1:PodMonitor", devUrn);
    assert.deepEqual(crs.map((c) => c.name).sort(), [
      "dev-argo-events-workloads",
      "dev-cert-manager",
      "dev-keda",
      "dev-linkerd-control-plane",
      "dev-linkerd-proxy",
    ]);
    for (const cr of crs) {
      const { apiVersion, kind, metadata, spec } = cr.inputs;
      assert.deepEqual(validateManifest({ apiVersion, kind, metadata, spec }), []);
      assert.ok(cr.dependencies.includes(stackRelease(devUrn).urn), `${cr.name} waits for CRDs`);
    }
    const proxy = crs.find((c) => c.name === "dev-linkerd-proxy")!.inputs.spec as Json;
    assert.deepEqual(proxy.namespaceSelector, { any: true });
    assert.deepEqual(proxy.podMetricsEndpoints[0].port, "linkerd-admin");
    assert.deepEqual(proxy.podMetricsEndpoints[0].path, "/metrics");
    // linkerd edge-26.8.3 has no `admin-http` port: each component names its own `<x>-admin`.
    const controlPlane = crs.find((c) => c.name === "dev-linkerd-control-plane")!.inputs
      .spec as Json;
    assert.deepEqual(
      (controlPlane.podMetricsEndpoints as Json[]).map((e) => e.port),
      ["dest-admin", "spval-admin", "policy-admin", "ident-admin", "injector-admin"],
    );
    for (const m of podMonitors("monitoring-prod")) {
      assert.deepEqual(validateManifest(m), []);
    }
    // A Step Functions stack runs no Argo Events: no monitor that would select nothing.
    const names = (options?: Parameters<typeof podMonitors>[1]) =>
      podMonitors("monitoring-prod", options).map((m) => (m.metadata as Json).name);
    assert.ok(names().includes("argo-events-workloads"));
    assert.deepEqual(
      names({ argoEvents: false }),
      names().filter((n) => n !== "argo-events-workloads"),
    );
    // The log path is scraped only where Monitoring is told the Logging namespace.
    assert.deepEqual(names({ loggingNamespace: "logging" }), [
      ...names(),
      "fluent-bit",
      "logstash",
    ]);
    const logging = podMonitors("monitoring-prod", { loggingNamespace: "logging-prod" }).slice(-2);
    for (const m of logging) {
      assert.deepEqual((m.spec as Json).namespaceSelector, { matchNames: ["logging-prod"] });
    }
  });

  it("discovers SQS and MSK metrics in CloudWatch with YACE", () => {
    const r = yaceRelease(devUrn);
    assert.equal(r.inputs.name, "yace");
    assert.equal(r.inputs.version, CHARTS.yace.version);
    const v = valuesOf(r);
    assert.deepEqual(v.serviceAccount, { create: true, name: "yace" });
    assert.equal(v.aws, undefined, "no keys and no role to assume: Pod Identity only");
    // The image's USER is the name `nobody`: without a numeric uid the kubelet refuses to start it.
    assert.deepEqual(v.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    const config = parse(v.config as string) as Json;
    assert.equal(config["sts-region"], TEST_REGION);
    const jobs = config.discovery.jobs as Array<Json>;
    assert.deepEqual(
      jobs.map((j) => [j.type, j.regions, j.metrics.map((m: { name: string }) => m.name)]),
      [
        [
          "AWS/SQS",
          [TEST_REGION],
          [
            "ApproximateAgeOfOldestMessage",
            "ApproximateNumberOfMessagesVisible",
            "ApproximateNumberOfMessagesNotVisible",
            "NumberOfMessagesSent",
            "NumberOfMessagesReceived",
            "NumberOfMessagesDeleted",
          ],
        ],
        [
          "AWS/Kafka",
          [TEST_REGION],
          [
            "EstimatedMaxTimeLag",
            "MaxOffsetLag",
            "SumOffsetLag",
            "KafkaDataLogsDiskUsed",
            "OfflinePartitionsCount",
            "ActiveControllerCount",
          ],
        ],
      ],
    );
  });

  it("gives YACE a Pod Identity role that can only read CloudWatch metrics", () => {
    const roles = ofType(capture, "aws:iam/role:Role", devUrn);
    assert.equal(roles.length, 1);
    assert.deepEqual(policyOf(roles[0], "assumeRolePolicy"), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "pods.eks.amazonaws.com" },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Condition: {
            StringEquals: {
              "aws:SourceAccount": MOCK_ACCOUNT_ID,
              "aws:RequestTag/eks-cluster-name": CLUSTER,
              "aws:RequestTag/kubernetes-namespace": "monitoring",
              "aws:RequestTag/kubernetes-service-account": "yace",
            },
          },
        },
      ],
    });
    const policies = ofType(capture, "aws:iam/rolePolicy:RolePolicy", devUrn);
    assert.equal(policies.length, 1);
    assert.deepEqual(policyOf(policies[0]), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadCloudWatchMetrics",
          Effect: "Allow",
          Action: ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "tag:GetResources"],
          Resource: "*",
        },
      ],
    });
    const assoc = ofType(capture, "aws:eks/podIdentityAssociation:PodIdentityAssociation", devUrn);
    assert.equal(assoc.length, 1);
    assert.equal(assoc[0].inputs.clusterName, CLUSTER);
    assert.equal(assoc[0].inputs.namespace, "monitoring");
    assert.equal(assoc[0].inputs.serviceAccount, "yace");
    const yace = yaceRelease(devUrn);
    assert.ok(yace.dependencies.includes(assoc[0].urn));
    assert.ok(yace.dependencies.includes(policies[0].urn));
  });

  it("gives Alertmanager a Pod Identity role that may publish only to its SNS topics", async () => {
    const role = single(capture, "aws:iam/role:Role", "prod-alertmanager");
    assert.equal(role.parent, prodUrn);
    assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement[0].Condition, {
      StringEquals: {
        "aws:SourceAccount": MOCK_ACCOUNT_ID,
        "aws:RequestTag/eks-cluster-name": CLUSTER,
        "aws:RequestTag/kubernetes-namespace": "monitoring-prod",
        "aws:RequestTag/kubernetes-service-account": "alertmanager",
      },
    });
    const policy = policyOf(
      single(capture, "aws:iam/rolePolicy:RolePolicy", "prod-alertmanager-sns"),
    );
    assert.deepEqual(policy.Statement, [
      {
        Sid: "PublishAlerts",
        Effect: "Allow",
        Action: "sns:Publish",
        Resource: [HEARTBEAT_TOPIC, PAGER_TOPIC],
      },
      {
        Sid: "EncryptThroughSns",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Resource: ALERTS_KEY,
        Condition: { StringEquals: { "kms:ViaService": `sns.${TEST_REGION}.amazonaws.com` } },
      },
    ]);
    // Evaluated as AWS would: its topics only, the key only through SNS. KMS consults the key
    // policy; the alerts key's lets IAM policies of the account grant use (PlatformKeys).
    const keyPolicy = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT_ID}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    };
    const decide = (action: string, resource: string, context = {}) =>
      simulateIam({
        principal: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/prod-alertmanager`,
        identityPolicies: { sns: policy },
        resourcePolicy: action.startsWith("kms:") ? keyPolicy : undefined,
        action,
        resource,
        context,
      });
    assert.equal(await decide("sns:Publish", HEARTBEAT_TOPIC), "Allowed");
    assert.equal(
      await decide("sns:Publish", `arn:aws:sns:${TEST_REGION}:${MOCK_ACCOUNT_ID}:other`),
      "ImplicitlyDenied",
    );
    assert.equal(await decide("sns:Subscribe", HEARTBEAT_TOPIC), "ImplicitlyDenied");
    const viaSns = { "kms:ViaService": `sns.${TEST_REGION}.amazonaws.com` };
    assert.equal(await decide("kms:GenerateDataKey", ALERTS_KEY, viaSns), "Allowed");
    assert.equal(await decide("kms:GenerateDataKey", ALERTS_KEY), "ImplicitlyDenied");
    assert.equal(await decide("kms:Encrypt", ALERTS_KEY, viaSns), "ImplicitlyDenied");

    const assoc = single(
      capture,
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "prod-alertmanager",
    );
    assert.deepEqual(
      [assoc.inputs.namespace, assoc.inputs.serviceAccount],
      ["monitoring-prod", "alertmanager"],
    );
    // Pods get Pod Identity credentials only if the association exists when they start.
    const release = stackRelease(prodUrn);
    assert.ok(release.dependencies.includes(assoc.urn));
    assert.deepEqual((valuesOf(release).alertmanager as Json).serviceAccount, {
      name: "alertmanager",
    });
    // Without SNS receivers there is no role (the service account is named all the same).
    assert.equal(
      ofType(capture, "aws:iam/role:Role", devUrn).filter((r) => r.name.includes("alertmanager"))
        .length,
      0,
    );
  });

  it("reports every invalid argument at once", () => {
    const errors = validateMonitoringArgs(
      args({
        namespace: "kube-system",
        loggingNamespace: "Logging",
        prometheus: { retention: "15 days", storageGiB: 0 },
        alertmanagerConfig: { secretName: "Bad_Name", yaml: "" },
        elasticsearchUrl: "elasticsearch:9200",
        region: "europe",
        mskBrokers: { bootstrapBrokers: " , " },
      }),
    );
    assert.deepEqual(
      errors.map((e) => e.propertyPath),
      [
        "namespace",
        "loggingNamespace",
        "prometheus.retention",
        "prometheus.storageGiB",
        "alertmanagerConfig.secretName",
        "elasticsearchUrl",
        "region",
        "mskBrokers.bootstrapBrokers",
      ],
    );
    assert.deepEqual(validateMonitoringArgs(args()), []);
  });

  it("fails before registering anything when an argument is invalid", () => {
    const before = capture.resources.size;
    assert.throws(
      () => new Monitoring("bad", args({ prometheus: { retention: "forever", storageGiB: 10 } })),
      /prometheus\.retention/,
    );
    assert.equal(capture.resources.size, before);
  });
});
