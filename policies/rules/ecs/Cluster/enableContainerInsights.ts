import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { ECS_CLUSTER } from "../../../lib/resourceTypes";
import { describe, isRecord } from "../../../lib/values";

/** `containerInsights` values that collect metrics (`enhanced` adds per-container ones). */
const INSIGHTS_ON = ["enabled", "enhanced"];

/**
 * ECS clusters should turn Container Insights on in their own `settings`, so the tasks' CPU,
 * memory and failures show in CloudWatch. Unset follows the account's default, which the stack
 * cannot see, so it is reported. The rule is advisory: Container Insights is observability, not a
 * security boundary, and it is billed per metric.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-12
 */
export const acmeEcsClusterEnableContainerInsights: AcmeResourcePolicy = {
  name: "acme-ecs-cluster-enable-container-insights",
  description: "Recommends that ECS clusters enable Container Insights.",
  enforcementLevel: "advisory",
  severity: "medium",
  controls: [],
  controlGap:
    "The shared control set has no ECS control; this rule mirrors Security Hub's ECS.12 (ECS clusters should use Container Insights), which issue 14 asks of the Fargate steps' cluster for observability.",
  resourceType: ECS_CLUSTER,
  validateResource: validateResourceType(ECS_CLUSTER, (args, reportViolation) => {
    const settings: unknown = args.props.settings;
    const setting: unknown = (Array.isArray(settings) ? settings : []).find(
      (s) => isRecord(s) && s.name === "containerInsights",
    );
    const value: unknown = isRecord(setting) ? setting.value : undefined;
    if (typeof value !== "string" || !INSIGHTS_ON.includes(value)) {
      reportViolation(
        `settings containerInsights is ${describe(value)}; add { name: "containerInsights", value: "enabled" } (or "enhanced") to settings.`,
      );
    }
  }),
};
