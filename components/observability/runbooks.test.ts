/**
 * The half of "every alert has a runbook that exists" that a policy pack cannot check at preview
 * time: acme-kubernetes-prometheusrule-enforce-runbook-url checks each alert's runbook_url form,
 * and this test renders the alert rules and checks that each linked runbook file is in the
 * repository. The CloudWatch alarms' runbooks are checked in alarms.test.ts.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  isRunbookUrlFor,
  runbookPath,
} from "../../policies/rules/kubernetes/PrometheusRule/enforceRunbookUrl";
import { DEFAULT_ALERT_THRESHOLDS, renderRuleGroups } from "./alertRules";

const REPO_ROOT = path.resolve(__dirname, "../..");
const alerts = renderRuleGroups(DEFAULT_ALERT_THRESHOLDS, {
  trustAnchorNotAfterSeconds: 2_000_000_000,
}).flatMap((group) => group.rules);

describe("alert runbooks", () => {
  it("renders at least one alert", () => {
    assert.ok(alerts.length > 0);
  });

  it("links every alert to docs/runbooks/<AlertName>.md, the form the policy enforces", () => {
    const wrong = alerts
      .filter((a) => !isRunbookUrlFor(a.annotations.runbook_url, a.alert))
      .map((a) => `${a.alert}: ${a.annotations.runbook_url}`);
    assert.deepEqual(wrong, []);
  });

  it("has a runbook file for every alert", () => {
    const missing = alerts
      .map((a) => runbookPath(a.alert))
      .filter((file) => !fs.existsSync(path.join(REPO_ROOT, file)));
    assert.deepEqual(missing, []);
  });
});
