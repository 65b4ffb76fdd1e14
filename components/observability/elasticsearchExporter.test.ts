import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { validateManifest, type Manifest } from "../../tools/checks/manifests";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { mockPlatform, ofType, single, valueOf } from "../../tools/testing";
import {
  ELASTICSEARCH_EXPORTER_IMAGE,
  ElasticsearchExporter,
  type ElasticsearchExporterArgs,
  elasticsearchExporterCommand,
  elasticsearchExporterDeployment,
  elasticsearchExporterFlags,
  elasticsearchExporterService,
  elasticsearchExporterServiceAccount,
  elasticsearchExporterNetworkPolicy,
  elasticsearchExporterServiceMonitor,
  validateElasticsearchExporterArgs,
} from "./elasticsearchExporter";

/** Rendered manifests, navigated freely in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const ES_URL = "https://logs-es-http.logging.svc:9200";
/** The exporter's own basic-auth user Secret (`Logging.users.metrics.secretName`). */
const CREDENTIALS = "acme-es-metrics-user";
const CA = "logs-es-http-certs-public";

const SA = "kubernetes:core/v1:ServiceAccount";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

const deploymentOf = (namespace = "logging"): Json =>
  elasticsearchExporterDeployment({
    namespace,
    elasticsearchUrl: ES_URL,
    credentialsSecretName: CREDENTIALS,
    caSecretName: CA,
  });
const containerOf = (deployment: Json): Json => {
  const containers = deployment.spec.template.spec.containers as Json[];
  assert.equal(containers.length, 1);
  return containers[0];
};

describe("elasticsearch_exporter manifests", () => {
  it("points the exporter at the TLS URL and at the CA file it mounts", () => {
    const deployment = deploymentOf();
    const container = containerOf(deployment);
    assert.equal(container.image, ELASTICSEARCH_EXPORTER_IMAGE);
    assert.equal(container.image, "quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0");
    assert.deepEqual(container.args, [
      "--es.uri=https://logs-es-http.logging.svc:9200",
      "--es.ca=/es-ca/ca.crt",
      "--es.timeout=5s",
    ]);
    // The --es.ca file is the ca.crt key of the CA secret, through the mount; the credentials
    // are the username and password keys of the user's Secret, read-only.
    assert.deepEqual(container.volumeMounts, [
      { name: "es-ca", mountPath: "/es-ca", readOnly: true },
      { name: "es-credentials", mountPath: "/es-credentials", readOnly: true },
    ]);
    assert.deepEqual(deployment.spec.template.spec.volumes, [
      {
        name: "es-ca",
        secret: { secretName: CA, items: [{ key: "ca.crt", path: "ca.crt" }] },
      },
      {
        name: "es-credentials",
        secret: {
          secretName: CREDENTIALS,
          items: [
            { key: "username", path: "username" },
            { key: "password", path: "password" },
          ],
        },
      },
    ]);
  });

  it("never passes a boolean flag as --flag=value, which kingpin rejects", () => {
    for (const flag of elasticsearchExporterFlags(ES_URL)) {
      assert.doesNotMatch(flag, /=(true|false)$/i, flag);
    }
  });

  it("reads its own user's name and password from the mounted Secret's files, never from env", () => {
    const container = containerOf(deploymentOf());
    // No credential in the pod spec: no env at all, and no Secret reference in any env form.
    assert.equal(container.env, undefined);
    assert.equal(container.envFrom, undefined);
    assert.doesNotMatch(JSON.stringify(deploymentOf()), /secretKeyRef|secretRef/);
    // The wrapper reads exactly the mounted files into the two variables the exporter reads,
    // exports them to the exporter alone and execs it with the container's args.
    assert.deepEqual(container.command, [
      "/bin/sh",
      "-c",
      [
        "set -eu",
        'ES_USERNAME="$(cat /es-credentials/username)"',
        'ES_PASSWORD="$(cat /es-credentials/password)"',
        "export ES_USERNAME ES_PASSWORD",
        'exec /bin/elasticsearch_exporter "$@"',
      ].join("\n"),
      "elasticsearch_exporter",
    ]);
    // Not the superuser: neither its name nor its ECK secret appears anywhere.
    assert.doesNotMatch(JSON.stringify(deploymentOf()), /es-elastic-user|"elastic"/);
    // Neither the URL nor any flag carries user info.
    for (const arg of container.args as string[]) assert.doesNotMatch(arg, /:\/\/[^/]*@/);
  });

  it("runs the wrapper script: the files' contents reach the exporter's environment and args pass through", () => {
    // A POSIX sh stands in for the image's busybox sh; the exporter for a script printing what it got.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "es-exporter-"));
    try {
      fs.writeFileSync(path.join(dir, "username"), "acme-metrics");
      fs.writeFileSync(path.join(dir, "password"), "pw-0123");
      fs.writeFileSync(
        path.join(dir, "exporter"),
        '#!/bin/sh\necho "$ES_USERNAME:$ES_PASSWORD:$*"\n',
        {
          mode: 0o755,
        },
      );
      const [shell, flag, script, name] = elasticsearchExporterCommand();
      const local = script
        .replaceAll("/es-credentials", dir)
        .replace("/bin/elasticsearch_exporter", path.join(dir, "exporter"));
      const run = (env: NodeJS.ProcessEnv) =>
        spawnSync(shell, [flag, local, name, "--es.uri=https://x:9200", "--es.timeout=5s"], {
          encoding: "utf8",
          env,
        });
      const ok = run({ PATH: process.env.PATH });
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(ok.stdout, "acme-metrics:pw-0123:--es.uri=https://x:9200 --es.timeout=5s\n");
      // A missing file stops the container before the exporter starts.
      fs.rmSync(path.join(dir, "password"));
      const missing = run({ PATH: process.env.PATH });
      assert.notEqual(missing.status, 0);
      assert.equal(missing.stdout, "");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("hardens the pod: non-root 65534, RuntimeDefault seccomp, no token, read-only, no capabilities", () => {
    const deployment = deploymentOf();
    const pod = deployment.spec.template.spec;
    assert.equal(deployment.spec.replicas, 1);
    assert.equal(pod.serviceAccountName, "elasticsearch-exporter");
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const container = containerOf(deployment);
    assert.deepEqual(container.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    assert.deepEqual(container.resources, {
      requests: { cpu: "25m", memory: "64Mi" },
      limits: { memory: "128Mi" },
    });
    assert.equal(
      (elasticsearchExporterServiceAccount("logging") as Json).automountServiceAccountToken,
      false,
    );
  });

  it("probes /healthz on the named metrics port, which listens on 9114", () => {
    const container = containerOf(deploymentOf());
    assert.deepEqual(container.ports, [
      { name: "http-metrics", containerPort: 9114, protocol: "TCP" },
    ]);
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      assert.deepEqual(probe.httpGet, { path: "/healthz", port: "http-metrics" });
    }
  });

  it("lets the Deployment select its own pods", () => {
    const deployment = deploymentOf();
    const selector = deployment.spec.selector.matchLabels as Record<string, string>;
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    assert.ok(Object.keys(selector).length > 0);
    for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v, k);
  });

  it("routes the Service to the pods and the ServiceMonitor to a port the Service has", () => {
    const deployment = deploymentOf("logging");
    const service = elasticsearchExporterService("logging") as Json;
    const monitor = elasticsearchExporterServiceMonitor("logging") as Json;
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    const serviceLabels = service.metadata.labels as Record<string, string>;

    for (const [k, v] of Object.entries(service.spec.selector as Record<string, string>)) {
      assert.equal(podLabels[k], v, `pods carry the Service selector's ${k}`);
    }
    const monitorSelector = monitor.spec.selector.matchLabels as Record<string, string>;
    assert.ok(Object.keys(monitorSelector).length > 0, "the ServiceMonitor selects something");
    for (const [k, v] of Object.entries(monitorSelector)) {
      assert.equal(serviceLabels[k], v, `the Service carries the ServiceMonitor selector's ${k}`);
    }
    assert.equal(monitor.spec.selector.matchExpressions, undefined);

    const servicePorts = (service.spec.ports as Json[]).map((p) => p.name as string);
    const containerPorts = (containerOf(deployment).ports as Json[]).map((p) => p.name as string);
    assert.deepEqual(monitor.spec.endpoints, [
      { port: "http-metrics", path: "/metrics", interval: "30s", scrapeTimeout: "10s" },
    ]);
    for (const endpoint of monitor.spec.endpoints as Json[]) {
      assert.ok(servicePorts.includes(endpoint.port), `the Service has port ${endpoint.port}`);
    }
    for (const port of service.spec.ports as Json[]) {
      assert.ok(containerPorts.includes(port.targetPort), `the pod has port ${port.targetPort}`);
    }
    assert.deepEqual(monitor.spec.namespaceSelector, { matchNames: ["logging"] });
    assert.equal(monitor.metadata.namespace, "logging");
    assert.equal(monitor.metadata.labels.release, undefined, "no release label is needed");
  });

  it("fences the exporter: in from Prometheus' namespace to 9114, out to Elasticsearch and DNS", () => {
    const policy = elasticsearchExporterNetworkPolicy("logging", "monitoring") as Json;
    assert.deepEqual(policy.spec.podSelector, {
      matchLabels: (elasticsearchExporterService("logging") as Json).spec.selector,
    });
    assert.deepEqual(policy.spec.policyTypes, ["Ingress", "Egress"]);
    assert.deepEqual(policy.spec.ingress, [
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
        ],
        ports: [{ protocol: "TCP", port: 9114 }],
      },
    ]);
    assert.deepEqual(policy.spec.egress, [
      {
        to: [{ podSelector: { matchLabels: { "common.k8s.elastic.co/type": "elasticsearch" } } }],
        ports: [{ protocol: "TCP", port: 9200 }],
      },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ]);
    // The metrics port the policy opens is the one the container listens on.
    const port = (containerOf(deploymentOf()).ports as Json[])[0];
    assert.equal(port.containerPort, policy.spec.ingress[0].ports[0].port);
  });

  it("renders every object valid against kubernetes-models and the ServiceMonitor CRD", () => {
    for (const manifest of [
      elasticsearchExporterNetworkPolicy("logging", "monitoring"),
      elasticsearchExporterServiceAccount("logging"),
      deploymentOf(),
      elasticsearchExporterService("logging"),
      elasticsearchExporterServiceMonitor("logging"),
    ]) {
      assert.deepEqual(validateManifest(manifest), [], String(manifest.kind));
    }
  });

  it("rejects broken manifests, so the validation above can fail", () => {
    const rejects = (manifest: Json, reason: RegExp) => {
      const messages = validateManifest(manifest).map((e) => `${e.path} ${e.message}`);
      assert.ok(
        messages.some((m) => reason.test(m)),
        `expected ${String(reason)}, got ${JSON.stringify(messages)}`,
      );
    };
    const badPort = deploymentOf();
    containerOf(badPort).ports[0].containerPort = "abc";
    rejects(badPort, /containerPort must be integer/);

    const noName = deploymentOf();
    delete containerOf(noName).name;
    rejects(noName, /containers\/0 must have required property name/);

    const badServicePort = elasticsearchExporterService("logging") as Json;
    badServicePort.spec.ports[0].port = "abc";
    rejects(badServicePort, /ports\/0\/port must be integer/);

    const badMonitor = elasticsearchExporterServiceMonitor("logging") as Json;
    badMonitor.spec.endpoints[0].interval = "every 30 seconds";
    rejects(badMonitor, /^spec\.endpoints\.0\.interval must match pattern/);
    const unknownField = elasticsearchExporterServiceMonitor("logging") as Json;
    unknownField.spec.endpoints[0].portName = "http-metrics";
    rejects(unknownField, /unknown field "portName"/);
  });
});

describe("validateElasticsearchExporterArgs", () => {
  const provider = new k8s.Provider("validation-k8s", { kubeconfig: "{}" });
  const good: ElasticsearchExporterArgs = {
    provider,
    namespace: "logging",
    elasticsearchUrl: ES_URL,
    credentialsSecretName: CREDENTIALS,
    caSecretName: CA,
    scrapeNamespace: "monitoring",
  };

  it("accepts the Logging component's outputs", () => {
    assert.deepEqual(validateElasticsearchExporterArgs(good), []);
  });

  it("names every bad argument", () => {
    assert.deepEqual(
      validateElasticsearchExporterArgs({
        provider: undefined as unknown as k8s.Provider,
        namespace: "Logging_NS",
        elasticsearchUrl: "http://logs-es-http.logging.svc:9200",
        credentialsSecretName: "",
        caSecretName: "Bad_Secret",
        scrapeNamespace: "Monitoring",
      }).map((e) => e.propertyPath),
      [
        "provider",
        "namespace",
        "elasticsearchUrl",
        "credentialsSecretName",
        "caSecretName",
        "scrapeNamespace",
      ],
    );
    assert.deepEqual(
      validateElasticsearchExporterArgs({ ...good, elasticsearchUrl: "not a url" }),
      [
        {
          propertyPath: "elasticsearchUrl",
          reason: '"not a url" is not an https URL; TLS stays on, give Logging.elasticsearchUrl',
        },
      ],
    );
    assert.deepEqual(
      validateElasticsearchExporterArgs({
        ...good,
        elasticsearchUrl: "https://elastic:hunter22@logs-es-http.logging.svc:9200",
      }),
      [
        {
          propertyPath: "elasticsearchUrl",
          reason: "must not carry credentials; the password is read from credentialsSecretName",
        },
      ],
    );
    assert.deepEqual(
      validateElasticsearchExporterArgs({ ...good, credentialsSecretName: "logs-es-elastic-user" }),
      [
        {
          propertyPath: "credentialsSecretName",
          reason:
            "must not be the `elastic` superuser's ECK secret; give Logging.users.metrics.secretName",
        },
      ],
    );
    assert.deepEqual(
      validateElasticsearchExporterArgs({ ...good, namespace: "kube-system" }).map(
        (e) => e.propertyPath,
      ),
      ["namespace"],
    );
  });
});

describe("ElasticsearchExporter", () => {
  let capture: Capture;
  let provider: k8s.Provider;
  let componentUrn: string;
  let logging: pulumi.ComponentResource;
  let monitoring: pulumi.ComponentResource;
  let elasticsearch: pulumi.Resource;
  let stackRelease: pulumi.Resource;

  const args = (overrides: Partial<ElasticsearchExporterArgs> = {}): ElasticsearchExporterArgs => ({
    provider,
    namespace: "logging",
    elasticsearchUrl: ES_URL,
    credentialsSecretName: CREDENTIALS,
    caSecretName: CA,
    scrapeNamespace: "monitoring",
    ...overrides,
  });

  const one = (type: string): CapturedResource => {
    const found = ofType(capture, type, componentUrn);
    assert.equal(found.length, 1, `expected one ${type}, found ${found.length}`);
    return found[0];
  };

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    // Stand-ins for the Logging and Monitoring components the objects wait for: depending on a
    // component means depending on its children, here the Elasticsearch and the stack release.
    logging = new pulumi.ComponentResource("acme:test:Logging", "logging");
    elasticsearch = new k8s.apiextensions.CustomResource(
      "logging-es",
      { apiVersion: "elasticsearch.k8s.elastic.co/v1", kind: "Elasticsearch" },
      { parent: logging, provider },
    );
    monitoring = new pulumi.ComponentResource("acme:test:Monitoring", "monitoring");
    stackRelease = new k8s.helm.v3.Release(
      "monitoring-stack",
      { chart: "kube-prometheus-stack" },
      { parent: monitoring, provider },
    );
    const exporter = new ElasticsearchExporter("es-exporter", args(), {
      dependsOn: [logging, monitoring],
    });
    await capture.settle();
    componentUrn = await valueOf(exporter.urn);
    assert.equal(exporter.namespace, "logging");
    assert.equal(exporter.serviceName, "elasticsearch-exporter");
    assert.equal(exporter.metricsUrl, "http://elasticsearch-exporter.logging.svc:9114/metrics");
  });

  it("registers exactly a ServiceAccount, Deployment, Service, ServiceMonitor and NetworkPolicy, through the provider", () => {
    const component = single(capture, "acme:observability:ElasticsearchExporter", "es-exporter");
    assert.equal(component.urn, componentUrn);
    const children = [...capture.resources.values()].filter((r) => r.parent === componentUrn);
    assert.deepEqual(
      children.map((r) => `${r.type}::${r.name}`).sort(),
      [
        `${DEPLOYMENT}::es-exporter-deployment`,
        `${SERVICE}::es-exporter-service`,
        `${SA}::es-exporter-sa`,
        `${SERVICE_MONITOR}::es-exporter-servicemonitor`,
        `${NETWORK_POLICY}::es-exporter-networkpolicy`,
      ].sort(),
    );
    const [k8sProvider] = ofType(capture, "pulumi:providers:kubernetes").filter(
      (p) => p.name === "k8s",
    );
    for (const child of children) {
      assert.equal(child.provider, `${k8sProvider.urn}::${k8sProvider.id}`, child.name);
      assert.equal(
        (child.inputs.metadata as Json).namespace,
        "logging",
        `${child.name} is in the Elasticsearch namespace`,
      );
    }
  });

  it("registers the manifests the pure functions build, each valid", () => {
    assert.deepEqual(one(SA).inputs, elasticsearchExporterServiceAccount("logging"));
    assert.deepEqual(one(DEPLOYMENT).inputs, deploymentOf("logging"));
    assert.deepEqual(one(SERVICE).inputs, elasticsearchExporterService("logging"));
    assert.deepEqual(one(SERVICE_MONITOR).inputs, elasticsearchExporterServiceMonitor("logging"));
    assert.deepEqual(
      one(NETWORK_POLICY).inputs,
      elasticsearchExporterNetworkPolicy("logging", "monitoring"),
    );
    for (const type of [SA, DEPLOYMENT, SERVICE, SERVICE_MONITOR, NETWORK_POLICY]) {
      assert.deepEqual(validateManifest(one(type).inputs as Manifest), [], type);
    }
  });

  it("makes every object wait for Elasticsearch and the monitoring CRDs", async () => {
    const [esUrn, releaseUrn] = await Promise.all([
      valueOf(elasticsearch.urn),
      valueOf(stackRelease.urn),
    ]);
    for (const type of [SA, DEPLOYMENT, SERVICE, SERVICE_MONITOR, NETWORK_POLICY]) {
      const deps = one(type).dependencies;
      assert.ok(deps.includes(esUrn), `${type} waits for the Elasticsearch`);
      assert.ok(deps.includes(releaseUrn), `${type} waits for the monitoring release`);
    }
    assert.ok(one(DEPLOYMENT).dependencies.includes(one(SA).urn));
    assert.ok(one(SERVICE_MONITOR).dependencies.includes(one(SERVICE).urn));
  });

  it("fails on an http URL, naming the field, before registering anything", async () => {
    const before = capture.resources.size;
    assert.throws(
      () =>
        new ElasticsearchExporter(
          "bad",
          args({ elasticsearchUrl: "http://logs-es-http.logging.svc:9200" }),
        ),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        e.message.startsWith(
          "ElasticsearchExporter: 1 invalid argument:\n  - elasticsearchUrl: " +
            '"http://logs-es-http.logging.svc:9200" is not an https URL',
        ),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before, "nothing, not even the component, registers");
  });
});
