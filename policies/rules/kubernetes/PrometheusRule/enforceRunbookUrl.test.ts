import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { prometheusRule } from "../../../fixtures/observability";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import {
  acmeKubernetesPrometheusruleEnforceRunbookUrl as policy,
  isRunbookUrlFor,
} from "./enforceRunbookUrl";

type Rule = Record<string, unknown> & { annotations?: Record<string, unknown> };

/** The fixture with its alerting rule (groups[0].rules[1]) changed by `change`. */
function withAlert(change: (rule: Rule) => void): Record<string, unknown> {
  const resource = prometheusRule();
  const spec = resource.spec as { groups: Array<{ rules: Rule[] }> };
  change(spec.groups[0].rules[1]);
  return resource;
}

const FIX = "set it to a link ending in docs/runbooks/KafkaUnderReplicatedPartitions.md.";
const WHERE = "groups[0].rules[1] (alert KafkaUnderReplicatedPartitions)";

describe(policy.name, () => {
  test("passes an alert linking its runbook, and ignores recording rules", async () => {
    assert.deepEqual(await violationMessages(policy, prometheusRule()), []);
  });

  test("passes the repository-relative path", async () => {
    const resource = withAlert((rule) => {
      rule.annotations = { runbook_url: "docs/runbooks/KafkaUnderReplicatedPartitions.md" };
    });
    assert.deepEqual(await violationMessages(policy, resource), []);
  });

  test("reports an alert without runbook_url", async () => {
    const resource = withAlert((rule) => {
      rule.annotations = { summary: "x" };
    });
    assert.deepEqual(await violationMessages(policy, resource), [
      `${WHERE} annotations.runbook_url is not set; ${FIX}`,
    ]);
  });

  test("reports an alert without annotations", async () => {
    const resource = withAlert((rule) => {
      delete rule.annotations;
    });
    assert.deepEqual(await violationMessages(policy, resource), [
      `${WHERE} annotations.runbook_url is not set; ${FIX}`,
    ]);
  });

  test("reports a link to another alert's runbook", async () => {
    const url = "https://github.com/acme/platform/blob/main/docs/runbooks/KafkaBrokerDown.md";
    const resource = withAlert((rule) => {
      rule.annotations = { runbook_url: url };
    });
    assert.deepEqual(await violationMessages(policy, resource), [
      `${WHERE} annotations.runbook_url is "${url}", which is not the alert's runbook; ${FIX}`,
    ]);
  });

  test("reports an empty alert name", async () => {
    const resource = withAlert((rule) => {
      rule.alert = "";
    });
    assert.deepEqual(await violationMessages(policy, resource), [
      'groups[0].rules[1].alert is ""; name the alert in PascalCase.',
    ]);
  });

  test("leaves an unknown runbook_url undecided instead of reporting it", async () => {
    const resource = withAlert((rule) => {
      rule.annotations = { runbook_url: unknownValue<string>("string") };
    });
    const result = await evaluateProps(policy, resource);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      [
        "string value at .spec.groups.0.rules.1.annotations.runbook_url can't be known during preview",
      ],
    );
  });

  test("matches only a whole path segment", () => {
    assert.equal(isRunbookUrlFor("https://x/docs/runbooks/Foo.md", "Foo"), true);
    assert.equal(isRunbookUrlFor("https://x/docs/runbooks/BarFoo.md", "Foo"), false);
    assert.equal(isRunbookUrlFor("https://x/mydocs/runbooks/Foo.md", "Foo"), false);
  });
});
