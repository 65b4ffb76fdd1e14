import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { CHART_MONITOR_TARGETS, type ChartMonitorTarget } from "./chartMonitorTargets";
import { reviewed } from "./chartReviews";
import type { CheckedResource } from "./graph";
import { checkMonitors } from "./monitors";
import { hasShared, sharedDir } from "./shared";

function k8s(type: string, name: string, inputs: Record<string, unknown>): CheckedResource {
  return { urn: `urn:pulumi:test::p::${type}::${name}`, type, inputs };
}

const SERVICE = k8s("kubernetes:core/v1:Service", "svc", {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "exporter", namespace: "logging", labels: { app: "exporter" } },
  spec: { selector: { pod: "exporter" }, ports: [{ name: "http-metrics", port: 9114 }] },
});

function serviceMonitor(spec: object, namespace = "logging"): CheckedResource {
  return k8s("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "sm", {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: "exporter", namespace },
    spec,
  });
}
const SM = "urn:pulumi:test::p::kubernetes:monitoring.coreos.com/v1:ServiceMonitor::sm";

const DEPLOYMENT = k8s("kubernetes:apps/v1:Deployment", "app", {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "app", namespace: "apps" },
  spec: {
    template: {
      metadata: { labels: { app: "a", tier: "web" } },
      spec: {
        containers: [{ name: "web", ports: [{ name: "http", containerPort: 8080 }] }],
        initContainers: [{ name: "proxy", ports: [{ name: "admin", containerPort: 9990 }] }],
      },
    },
  },
});
const DEPLOYMENT_URN = "urn:pulumi:test::p::kubernetes:apps/v1:Deployment::app";

function podMonitor(spec: object): CheckedResource {
  return k8s("kubernetes:monitoring.coreos.com/v1:PodMonitor", "pm", {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: "app", namespace: "monitoring" },
    spec,
  });
}
const PM = "urn:pulumi:test::p::kubernetes:monitoring.coreos.com/v1:PodMonitor::pm";

describe("monitors: the graph's own Services and pods", () => {
  it("passes a ServiceMonitor whose port is a named port of the selected Service", () => {
    const sm = serviceMonitor({
      selector: { matchLabels: { app: "exporter" } },
      endpoints: [{ port: "http-metrics" }],
    });
    assert.deepEqual(checkMonitors([SERVICE, sm], []), { checked: 1, errors: [] });
  });

  it("fails a ServiceMonitor port the Service does not name", () => {
    const sm = serviceMonitor({
      selector: { matchLabels: { app: "exporter" } },
      endpoints: [{ port: "metrics" }],
    });
    assert.deepEqual(checkMonitors([SERVICE, sm], []).errors, [
      `${SM}: ServiceMonitor logging/exporter endpoints[0] scrapes port "metrics", which no selected Service declares (urn:pulumi:test::p::kubernetes:core/v1:Service::svc: http-metrics)`,
    ]);
  });

  it("selects Services by their own labels, not by their pod selector", () => {
    const sm = serviceMonitor({
      selector: { matchLabels: { pod: "exporter" } },
      endpoints: [{ port: "http-metrics" }],
    });
    assert.deepEqual(checkMonitors([SERVICE, sm], []).errors, [
      `${SM}: ServiceMonitor logging/exporter selects no Service in the graph or in the reviewed chart table (selector {"matchLabels":{"pod":"exporter"}}, namespaceSelector {}); if a chart creates it, add it to tools/checks/chartMonitorTargets.ts with the template that declares it`,
    ]);
  });

  it("looks only in the monitor's own namespace without a namespaceSelector", () => {
    const spec = {
      selector: { matchLabels: { app: "exporter" } },
      endpoints: [{ port: "http-metrics" }],
    };
    assert.equal(checkMonitors([SERVICE, serviceMonitor(spec, "monitoring")], []).errors.length, 1);
    assert.deepEqual(
      checkMonitors(
        [
          SERVICE,
          serviceMonitor({ ...spec, namespaceSelector: { matchNames: ["logging"] } }, "monitoring"),
        ],
        [],
      ).errors,
      [],
    );
  });

  it("passes a PodMonitor port declared by a container or a native sidecar of the selected pod", () => {
    const pm = podMonitor({
      namespaceSelector: { any: true },
      selector: { matchExpressions: [{ key: "tier", operator: "In", values: ["web"] }] },
      podMetricsEndpoints: [{ port: "http" }, { port: "admin" }],
    });
    assert.deepEqual(checkMonitors([DEPLOYMENT, pm], []), { checked: 1, errors: [] });
  });

  it("fails a PodMonitor port no selected pod declares, listing the ports there are", () => {
    const pm = podMonitor({
      namespaceSelector: { matchNames: ["apps"] },
      selector: { matchExpressions: [{ key: "app", operator: "Exists" }] },
      podMetricsEndpoints: [{ port: "http" }, { port: "admin-http" }],
    });
    assert.deepEqual(checkMonitors([DEPLOYMENT, pm], []).errors, [
      `${PM}: PodMonitor monitoring/app podMetricsEndpoints[1] scrapes port "admin-http", which no selected pod declares (${DEPLOYMENT_URN}: http, admin)`,
    ]);
  });

  it("fails a PodMonitor whose selector matches nothing", () => {
    const pm = podMonitor({
      namespaceSelector: { any: true },
      selector: { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] },
      podMetricsEndpoints: [{ portNumber: 7777 }],
    });
    assert.equal(checkMonitors([DEPLOYMENT, pm], []).errors.length, 1);
    assert.match(
      checkMonitors([DEPLOYMENT, pm], []).errors[0],
      /^urn:.*::pm: PodMonitor monitoring\/app selects no pod/,
    );
  });
});

describe("monitors: the pods ECK makes from a Logstash resource", () => {
  const LOGSTASH = k8s("kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash", "ls", {
    apiVersion: "logstash.k8s.elastic.co/v1alpha1",
    kind: "Logstash",
    metadata: { name: "logs", namespace: "logging" },
    spec: {
      podTemplate: {
        metadata: { labels: { team: "platform" } },
        spec: {
          containers: [
            { name: "logstash" },
            { name: "metrics", ports: [{ name: "metrics", containerPort: 9198 }] },
          ],
        },
      },
    },
  });
  const LOGSTASH_URN =
    "urn:pulumi:test::p::kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash::ls";
  const logstashMonitor = (selector: object, port: string) =>
    podMonitor({
      namespaceSelector: { matchNames: ["logging"] },
      selector: { matchLabels: selector },
      podMetricsEndpoints: [{ port }],
    });

  it("selects them by ECK's labels or the podTemplate's, on a sidecar's port or ECK's own", () => {
    for (const [selector, port] of [
      [{ "common.k8s.elastic.co/type": "logstash" }, "metrics"],
      [{ "logstash.k8s.elastic.co/statefulset-name": "logs-ls", team: "platform" }, "http"],
    ] as const) {
      assert.deepEqual(checkMonitors([LOGSTASH, logstashMonitor(selector, port)], []), {
        checked: 1,
        errors: [],
      });
    }
  });

  it("fails a port neither ECK nor the podTemplate declares, and a label ECK does not set", () => {
    assert.deepEqual(
      checkMonitors(
        [LOGSTASH, logstashMonitor({ "common.k8s.elastic.co/type": "logstash" }, "exporter")],
        [],
      ).errors,
      [
        `${PM}: PodMonitor monitoring/app podMetricsEndpoints[0] scrapes port "exporter", which no selected pod declares (${LOGSTASH_URN}: http, metrics)`,
      ],
    );
    const wrongLabel = checkMonitors(
      [LOGSTASH, logstashMonitor({ "common.k8s.elastic.co/type": "elasticsearch" }, "metrics")],
      [],
    ).errors;
    assert.equal(wrongLabel.length, 1);
    assert.match(wrongLabel[0], /selects no pod/);
  });
});

describe("monitors: chart-made targets from the reviewed table", () => {
  const TABLE: ChartMonitorTarget[] = [
    {
      chart: "c",
      version: "1.0.0",
      kind: "pod",
      workload: "c-controller",
      labels: { "app.kubernetes.io/instance": "{release}", ns: "{namespace}" },
      ports: ["metrics"],
      template: "templates/deployment.yaml",
    },
  ];
  const release = (version = "1.0.0"): CheckedResource =>
    k8s("kubernetes:helm.sh/v3:Release", "r", {
      chart: "c",
      version,
      name: "mine",
      namespace: "tools",
    });
  const monitor = (port: string): CheckedResource =>
    podMonitor({
      namespaceSelector: { matchNames: ["tools"] },
      selector: { matchLabels: { "app.kubernetes.io/instance": "mine", ns: "tools" } },
      podMetricsEndpoints: [{ port }],
    });

  it("matches a chart's pods with the release's name and namespace filled in", () => {
    assert.deepEqual(checkMonitors([release(), monitor("metrics")], TABLE), {
      checked: 1,
      errors: [],
    });
  });

  it("fails a port the chart template does not declare, citing the template", () => {
    assert.deepEqual(checkMonitors([release(), monitor("http")], TABLE).errors, [
      `${PM}: PodMonitor monitoring/app podMetricsEndpoints[0] scrapes port "http", which no selected pod declares (c-controller (c 1.0.0 templates/deployment.yaml): metrics)`,
    ]);
  });

  it("knows nothing of a chart that is not installed", () => {
    assert.equal(checkMonitors([monitor("metrics")], TABLE).errors.length, 1);
  });

  it("fails a release of a version the table was not reviewed at", () => {
    const errors = checkMonitors([release("2.0.0"), monitor("metrics")], TABLE).errors;
    assert.equal(
      errors[0],
      "urn:pulumi:test::p::kubernetes:helm.sh/v3:Release::r: the reviewed monitor-target table has c at 1.0.0 but the release installs 2.0.0; re-read the templates at 2.0.0, update tools/checks/chartMonitorTargets.ts and the version in tools/checks/chartReviews.ts",
    );
    assert.equal(errors.length, 2);
  });

  it("describes the reviewed linkerd control plane by its -admin port names", () => {
    const linkerd = k8s("kubernetes:helm.sh/v3:Release", "l", {
      ...reviewed("linkerdControlPlane"),
      name: "linkerd-control-plane",
      namespace: "linkerd",
    });
    const controlPlane = (ports: string[]): CheckedResource =>
      podMonitor({
        namespaceSelector: { matchNames: ["linkerd"] },
        selector: {
          matchExpressions: [{ key: "linkerd.io/control-plane-component", operator: "Exists" }],
        },
        podMetricsEndpoints: ports.map((port) => ({ port })),
      });
    const admin = ["dest-admin", "ident-admin", "injector-admin", "spval-admin", "policy-admin"];
    assert.deepEqual(checkMonitors([linkerd, controlPlane(admin)]).errors, []);
    const errors = checkMonitors([linkerd, controlPlane(["admin-http"])]).errors;
    assert.equal(errors.length, 1);
    assert.match(
      errors[0],
      /scrapes port "admin-http", which no selected pod declares \(linkerd-destination /,
    );
  });
});

describe("monitors: the reviewed table", () => {
  it("names only chart versions the shared catalog pins", { skip: !hasShared() }, () => {
    const missing = [
      ...new Set(CHART_MONITOR_TARGETS.map((t) => `${t.chart}/${t.version}`)),
    ].filter((dir) => !fs.existsSync(path.join(sharedDir(), "charts", dir, "values.yaml")));
    assert.deepEqual(missing, []);
  });
});
