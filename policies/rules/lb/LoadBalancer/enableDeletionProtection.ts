import type { ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { LB_LOAD_BALANCER, LB_LOAD_BALANCER_TYPES } from "../../../lib/resourceTypes";
import { describe } from "../../../lib/values";

function check(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
  const protection: unknown = args.props.enableDeletionProtection;
  if (protection !== true) {
    reportViolation(`enableDeletionProtection is ${describe(protection)}; set it to true.`);
  }
}

/**
 * Load balancers of every kind must have deletion protection, so that neither a mistaken
 * `pulumi destroy` nor a console click takes the front door down. Unset means false. Stacks
 * that are torn down on purpose (dev, staging) lower it to advisory in their pack config
 * (`policies/config/<stack>.json`), as the program turns it on from `protectStatefulResources`.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-6
 */
export const acmeLbLoadbalancerEnableDeletionProtection: AcmeResourcePolicy = {
  name: "acme-lb-loadbalancer-enable-deletion-protection",
  description: "Requires load balancers to have deletion protection enabled.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ELB.6"],
  resourceType: LB_LOAD_BALANCER,
  validateResource: LB_LOAD_BALANCER_TYPES.map((t) => validateResourceType(t, check)),
};
