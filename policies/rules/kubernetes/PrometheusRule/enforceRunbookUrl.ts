import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isNonEmptyString, isRecord } from "../../../lib/values";

const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

/**
 * Where an alert's runbook lives in the repository.
 * @internal Exported for tests only.
 */
export function runbookPath(alert: string): string {
  return `docs/runbooks/${alert}.md`;
}

/**
 * True when `url` points at the alert's runbook: the repository path itself, or any URL whose
 * path ends in it (a link to the file on the Git host).
 * @internal Exported for tests only.
 */
export function isRunbookUrlFor(url: string, alert: string): boolean {
  const suffix = runbookPath(alert);
  return url === suffix || url.endsWith(`/${suffix}`);
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * Every alerting rule must carry `annotations.runbook_url` pointing at
 * `docs/runbooks/<AlertName>.md`, so whoever is paged lands on the page for that alert. The
 * policy checks the link's form; that the file exists is checked by the alert rules' unit test,
 * since a policy pack cannot rely on reading the repository at preview time. Recording rules are
 * not checked.
 *
 * @severity medium
 * @link https://github.com/kubernetes-monitoring/kubernetes-mixin/blob/master/lib/add-runbook-links.libsonnet
 */
export const acmeKubernetesPrometheusruleEnforceRunbookUrl: AcmeResourcePolicy = {
  name: "acme-kubernetes-prometheusrule-enforce-runbook-url",
  description:
    "Requires every alerting rule to link its runbook at docs/runbooks/<AlertName>.md in annotations.runbook_url.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: [],
  controlGap:
    "Operational requirement of issue item 8 (every alert has a runbook); the security control " +
    "set has no alerting or runbook control.",
  resourceType: PROMETHEUS_RULE,
  validateResource: validateResourceType(PROMETHEUS_RULE, (args, reportViolation) => {
    const spec: unknown = args.props.spec;
    asList(isRecord(spec) ? spec.groups : undefined).forEach((group, g) => {
      const rules = asList(isRecord(group) ? group.rules : undefined);
      rules.forEach((rule, r) => {
        if (!isRecord(rule) || rule.alert === undefined || rule.alert === null) {
          return;
        }
        const alert: unknown = rule.alert;
        const where = `groups[${g}].rules[${r}]`;
        if (!isNonEmptyString(alert)) {
          reportViolation(`${where}.alert is ${describe(alert)}; name the alert in PascalCase.`);
          return;
        }
        const annotations: unknown = rule.annotations;
        const url: unknown = isRecord(annotations) ? annotations.runbook_url : undefined;
        const fix = `set it to a link ending in ${runbookPath(alert)}.`;
        if (!isNonEmptyString(url)) {
          reportViolation(
            `${where} (alert ${alert}) annotations.runbook_url is ${describe(url)}; ${fix}`,
          );
        } else if (!isRunbookUrlFor(url, alert)) {
          reportViolation(
            `${where} (alert ${alert}) annotations.runbook_url is "${url}", which is not the ` +
              `alert's runbook; ${fix}`,
          );
        }
      });
    });
  }),
};
