import type { ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import { isApplicationLoadBalancer } from "../../../lib/loadBalancers";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { LB_LOAD_BALANCER, LB_LOAD_BALANCER_TYPES } from "../../../lib/resourceTypes";
import { isUnset } from "../../../lib/values";

const MODES = ["defensive", "strictest"];

function check(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
  if (!isApplicationLoadBalancer(args.props)) {
    return;
  }
  const mode: unknown = args.props.desyncMitigationMode;
  // Unset is the API default, "defensive".
  if (!isUnset(mode) && !MODES.includes(mode as string)) {
    reportViolation(
      `desyncMitigationMode is ${JSON.stringify(mode)}; set it to "strictest" (or "defensive"), ` +
        "so requests that could desynchronise the balancer and its targets are refused.",
    );
  }
}

/**
 * Application Load Balancers must mitigate HTTP desync (request smuggling) in the `defensive` or
 * `strictest` mode; `monitor` only reports ambiguous requests and forwards them. Unset is
 * `defensive`, the API default. The platform's component asks for `strictest`.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-12
 */
export const acmeLbLoadbalancerConfigureDesyncMitigation: AcmeResourcePolicy = {
  name: "acme-lb-loadbalancer-configure-desync-mitigation",
  description:
    "Requires Application Load Balancers to use the defensive or strictest desync mitigation mode.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ELB.12"],
  resourceType: LB_LOAD_BALANCER,
  validateResource: LB_LOAD_BALANCER_TYPES.map((t) => validateResourceType(t, check)),
};
