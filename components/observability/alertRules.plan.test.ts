/**
 * AlertRules as index.ts creates it: its PrometheusRules wait for Monitoring's release, which
 * installs their CRD and selects them by label. (Before the one dependsOn convention the
 * component took `{ dependsOn: [monitoring] }` as an option and never handed it to the rules.)
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cachedPlan } from "../../tools/planCache";

describe("AlertRules in the prod plan", () => {
  it("registers every PrometheusRule after the kube-prometheus-stack release", () => {
    const resources = cachedPlan("prod").export.deployment.resources;
    const [release] = resources.filter(
      (r) =>
        r.type === "kubernetes:helm.sh/v3:Release" &&
        r.urn.includes("acme:observability:Monitoring$") &&
        r.inputs.chart === "kube-prometheus-stack",
    );
    assert.ok(release, "Monitoring's kube-prometheus-stack release");
    const rules = resources.filter(
      (r) =>
        r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" &&
        r.urn.includes("acme:observability:AlertRules$"),
    );
    assert.equal(rules.length, 7);
    for (const rule of rules) {
      assert.ok(
        (rule.dependencies ?? []).includes(release.urn),
        `${rule.urn} waits for the release`,
      );
    }
  });
});
