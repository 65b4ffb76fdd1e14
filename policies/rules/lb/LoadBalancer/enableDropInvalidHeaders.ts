import type { ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import { isApplicationLoadBalancer } from "../../../lib/loadBalancers";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { LB_LOAD_BALANCER, LB_LOAD_BALANCER_TYPES } from "../../../lib/resourceTypes";
import { describe } from "../../../lib/values";

function check(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
  if (!isApplicationLoadBalancer(args.props)) {
    return;
  }
  const drop: unknown = args.props.dropInvalidHeaderFields;
  if (drop !== true) {
    reportViolation(`dropInvalidHeaderFields is ${describe(drop)}; set it to true.`);
  }
}

/**
 * Application Load Balancers must drop HTTP headers that are not valid (names outside
 * `[-A-Za-z0-9]`) instead of passing them to the targets, where they can smuggle requests past
 * header-based checks. Unset means false. Network and Gateway Load Balancers do not parse HTTP.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-4
 */
export const acmeLbLoadbalancerEnableDropInvalidHeaders: AcmeResourcePolicy = {
  name: "acme-lb-loadbalancer-enable-drop-invalid-headers",
  description: "Requires Application Load Balancers to drop invalid HTTP header fields.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ELB.4"],
  resourceType: LB_LOAD_BALANCER,
  validateResource: LB_LOAD_BALANCER_TYPES.map((t) => validateResourceType(t, check)),
};
