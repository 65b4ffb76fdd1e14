import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { chartValuesPath } from "../../tools/checks/shared";
import type { Capture } from "../../tools/mocks";
import { MOCK_ACCOUNT_ID, mockPlatform, ofType, TEST_REGION } from "../../tools/testing";
import { CHARTS } from "../lib";
import { CHART_DEFAULT_RULES, EKS_UNSCRAPEABLE_COMPONENTS } from "./chartDefaultRules";
import { Monitoring } from "./monitoring";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const pinnedValues = (): Json =>
  parse(fs.readFileSync(chartValuesPath(CHARTS.kubePrometheusStack), "utf8")) as Json;

describe("kube-prometheus-stack default rules on EKS (the reviewed table)", () => {
  let capture: Capture;

  before(async () => {
    capture = await mockPlatform();
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    new Monitoring("dev", {
      provider,
      highAvailability: false,
      prometheus: { retention: "15d", storageGiB: 50 },
      storageClassName: "gp3-encrypted",
      elasticsearchUrl: "https://logs-es-http.logging.svc:9200",
      elasticsearchAuth: {
        username: "acme-grafana",
        password: pulumi.secret("es-password-for-grafana-0123"),
        caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
      },
      tracingQueryUrl: "http://jaeger-query.tracing.svc:16686",
      mskBrokers: { bootstrapBrokers: "b-1.msk.abc.kafka.eu-west-1.amazonaws.com:9098" },
      clusterName: "acme-test",
      region: TEST_REGION,
      accountId: MOCK_ACCOUNT_ID,
      partition: "aws",
    });
    await capture.settle();
  });

  const releaseValues = (): Json => {
    const found = ofType(capture, "kubernetes:helm.sh/v3:Release").filter(
      (r) => r.inputs.chart === CHARTS.kubePrometheusStack.name,
    );
    assert.equal(found.length, 1);
    return found[0].inputs.values as Json;
  };

  it("classifies every defaultRules.rules key of the pinned values.yaml, and only those", () => {
    const pinned = Object.keys(pinnedValues().defaultRules.rules as Json).sort();
    const unclassified = pinned.filter((k) => !(k in CHART_DEFAULT_RULES));
    assert.deepEqual(
      unclassified,
      [],
      `kube-prometheus-stack ${CHARTS.kubePrometheusStack.version} has defaultRules.rules keys ` +
        `the table in chartDefaultRules.ts does not classify: ${unclassified.join(", ")}; ` +
        "review their rule templates and add them (keep or disable, with why)",
    );
    const stale = Object.keys(CHART_DEFAULT_RULES).filter((k) => !pinned.includes(k));
    assert.deepEqual(
      stale,
      [],
      `table entries the pinned chart no longer has: ${stale.join(", ")}`,
    );
  });

  it("disables exactly the table's disabled keys in the Release's values", () => {
    const rules = releaseValues().defaultRules.rules as Json;
    const disabled = Object.entries(CHART_DEFAULT_RULES)
      .filter(([, r]) => !r.keep)
      .map(([k]) => k)
      .sort();
    assert.deepEqual(
      Object.entries(rules)
        .filter(([, v]) => v === false)
        .map(([k]) => k)
        .sort(),
      disabled,
    );
    // Nothing else is set: the kept keys stay at the chart's default (true).
    assert.deepEqual(Object.keys(rules).sort(), disabled);
    assert.equal(releaseValues().defaultRules.create, undefined, "the kept groups stay created");
  });

  it("turns off the rule groups whose critical alerts read EKS-managed control-plane targets", () => {
    // KubeControllerManagerDown, KubeSchedulerDown, KubeProxyDown (absent(up{job=...}), critical)
    // and etcd's etcdNoLeader/etcdInsufficientMembers (critical).
    const rules = releaseValues().defaultRules.rules as Json;
    for (const key of [
      "etcd",
      "kubeControllerManager",
      "kubeProxy",
      "kubeSchedulerAlerting",
      "kubeSchedulerRecording",
    ])
      assert.equal(rules[key], false, `defaultRules.rules.${key}`);
  });

  it("turns off the chart's scrapes of the control-plane parts EKS does not expose", () => {
    const values = releaseValues();
    assert.deepEqual(Object.keys(EKS_UNSCRAPEABLE_COMPONENTS).sort(), [
      "kubeControllerManager",
      "kubeEtcd",
      "kubeProxy",
      "kubeScheduler",
    ]);
    for (const key of Object.keys(EKS_UNSCRAPEABLE_COMPONENTS)) {
      assert.deepEqual(values[key], { enabled: false }, key);
      assert.equal(pinnedValues()[key].enabled, true, `${key} is on by default in the chart`);
    }
    // The API server and the kubelet are scraped on EKS: their rules and scrapes stay on.
    assert.equal(values.kubeApiServer, undefined);
    assert.equal(values.kubelet, undefined);
  });
});
