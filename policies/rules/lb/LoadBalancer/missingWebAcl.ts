import type { AcmeStackPolicy } from "../../../lib/policy";
import { isApplicationLoadBalancer } from "../../../lib/loadBalancers";
import {
  LB_LOAD_BALANCER,
  LB_LOAD_BALANCER_TYPES,
  WAFV2_WEB_ACL_ASSOCIATION,
} from "../../../lib/resourceTypes";

/**
 * Every internet-facing Application Load Balancer must be associated with a WAF web ACL (an
 * aws.wafv2.WebAclAssociation whose `resourceArn` is its ARN). Internal load balancers (the
 * platform's one sits behind API Gateway's VPC link, whose stage has the web ACL) pass.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-16
 */
export const acmeLbLoadbalancerMissingWebAcl: AcmeStackPolicy = {
  name: "acme-lb-loadbalancer-missing-web-acl",
  description:
    "Requires every internet-facing Application Load Balancer to be associated with a WAF web ACL.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ELB.16"],
  resourceType: LB_LOAD_BALANCER,
  // Not tagged with one type: it checks both the aws.lb and aws.alb types.
  validateStack: (args, reportViolation) => {
    const balancers = args.resources.filter(
      (r) =>
        LB_LOAD_BALANCER_TYPES.includes(r.type) &&
        r.props.internal !== true &&
        isApplicationLoadBalancer(r.props),
    );
    if (balancers.length === 0) {
      return;
    }
    const protectedArns = new Set(
      args.resources
        .filter((r) => r.type === WAFV2_WEB_ACL_ASSOCIATION)
        .map((r) => r.props.resourceArn),
    );
    for (const lb of balancers) {
      if (!protectedArns.has(lb.props.arn)) {
        reportViolation(
          `Load balancer ${lb.name} is internet-facing and no WAF web ACL is associated with it; ` +
            "add an aws.wafv2.WebAclAssociation with its ARN, or make it internal.",
          lb.urn,
        );
      }
    }
  },
};
