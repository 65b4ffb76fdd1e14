import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { checkHelmValues } from "../../tools/checks/helmValues";
import { validateManifest } from "../../tools/checks/manifests";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { mockPlatform, ofType, pinnedChart, single } from "../../tools/testing";
import { CHARTS } from "../lib";
import { CertManager, certManagerPodMonitor } from "./certManager";

const RELEASE = "kubernetes:helm.sh/v3:Release";

const RESOURCES = {
  controller: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
  webhook: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
  cainjector: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
};

describe("CertManager", () => {
  let capture: Capture;
  let devUrn: string;

  before(async () => {
    capture = await mockPlatform();
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const dev = new CertManager("dev", { provider, highAvailability: false });
    new CertManager("prod", { provider, highAvailability: true, serviceMonitor: true });
    await capture.settle();
    devUrn = await new Promise<string>((resolve) => dev.urn.apply(resolve));
  });

  const release = (name: string) => single(capture, RELEASE, name);

  it("registers a namespace and one release under each component, through the given provider", () => {
    const children = [...capture.resources.values()].filter((r) => r.parent === devUrn);
    assert.deepEqual(children.map((r) => `${r.type}::${r.name}`).sort(), [
      "kubernetes:core/v1:Namespace::dev-namespace",
      `${RELEASE}::dev-release`,
    ]);
    const [provider] = ofType(capture, "pulumi:providers:kubernetes");
    for (const child of children) assert.equal(child.provider, `${provider.urn}::${provider.id}`);
  });

  it("pins the chart and installs into its own, unmeshed namespace", () => {
    const r = release("dev-release");
    const { chart, version, repositoryOpts } = r.inputs;
    assert.deepEqual({ chart, version, repositoryOpts }, pinnedChart(CHARTS.certManager));
    assert.equal(r.inputs.name, "cert-manager");
    assert.equal(r.inputs.namespace, "cert-manager");
    assert.equal(r.inputs.createNamespace, false);
    assert.equal(r.inputs.atomic, true);
    const ns = single(capture, "kubernetes:core/v1:Namespace", "dev-namespace");
    assert.deepEqual(ns.inputs.metadata, {
      name: "cert-manager",
      annotations: { "linkerd.io/inject": "disabled" },
    });
    assert.ok(r.dependencies.includes(ns.urn));
  });

  it("sets exactly the dev values: one replica each, no budgets, no ServiceMonitor", () => {
    assert.deepEqual(release("dev-release").inputs.values, {
      crds: { enabled: true, keep: true },
      global: { priorityClassName: "system-cluster-critical" },
      replicaCount: 1,
      podDisruptionBudget: { enabled: false },
      resources: RESOURCES.controller,
      prometheus: { enabled: true, servicemonitor: { enabled: false } },
      webhook: {
        replicaCount: 1,
        podDisruptionBudget: { enabled: false },
        resources: RESOURCES.webhook,
      },
      cainjector: {
        replicaCount: 1,
        podDisruptionBudget: { enabled: false },
        resources: RESOURCES.cainjector,
      },
    });
  });

  it("sets exactly the prod values: 2 controllers, 3 webhooks, 2 injectors, all with budgets", () => {
    assert.deepEqual(release("prod-release").inputs.values, {
      crds: { enabled: true, keep: true },
      global: { priorityClassName: "system-cluster-critical" },
      replicaCount: 2,
      podDisruptionBudget: { enabled: true },
      resources: RESOURCES.controller,
      prometheus: { enabled: true, servicemonitor: { enabled: true } },
      webhook: {
        replicaCount: 3,
        podDisruptionBudget: { enabled: true },
        resources: RESOURCES.webhook,
      },
      cainjector: {
        replicaCount: 2,
        podDisruptionBudget: { enabled: true },
        resources: RESOURCES.cainjector,
      },
    });
  });

  it("uses only value keys the pinned chart has (and passes its values.schema.json)", () => {
    for (const r of ofType(capture, RELEASE)) {
      assert.deepEqual(
        checkHelmValues(
          String(r.inputs.chart),
          String(r.inputs.version),
          r.inputs.values as Record<string, unknown>,
        ),
        [],
        r.name,
      );
    }
  });

  it("scrapes every pod's metrics keeping their own namespace label, which the certificate alerts read", () => {
    const monitor = certManagerPodMonitor("monitoring");
    assert.deepEqual(validateManifest(monitor), []);
    // Without honorLabels, certmanager_certificate_*{namespace="linkerd"} would arrive as
    // exported_namespace="linkerd", namespace="cert-manager", and LinkerdIdentityIssuerExpiringSoon
    // (which selects namespace="linkerd") could never fire.
    assert.deepEqual((monitor.spec as { podMetricsEndpoints: unknown[] }).podMetricsEndpoints, [
      { port: "http-metrics", path: "/metrics", interval: "60s", honorLabels: true },
    ]);
  });

  it("renders Kubernetes objects that validate against their schemas", () => {
    const objects = [...capture.resources.values()].filter(
      (r: CapturedResource) => r.type.startsWith("kubernetes:") && r.type !== RELEASE,
    );
    assert.equal(objects.length, 2);
    for (const o of objects) {
      assert.deepEqual(validateManifest(o.inputs), [], o.name);
    }
  });
});
