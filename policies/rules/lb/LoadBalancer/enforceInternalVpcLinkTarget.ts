import type { AcmeStackPolicy } from "../../../lib/policy";
import { LB_LOAD_BALANCER, LB_LOAD_BALANCER_TYPES } from "../../../lib/resourceTypes";
import { describe, stringList } from "../../../lib/values";

const APIGATEWAY_INTEGRATION = "aws:apigateway/integration:Integration";
const APIGATEWAY_VPC_LINK = "aws:apigateway/vpcLink:VpcLink";

/**
 * A load balancer that API Gateway reaches through a VPC link (a REST integration's
 * `integrationTarget`, or a v1 VpcLink's `targetArns`) must be internal: it only serves the VPC
 * link, and an internet-facing one would let callers skip the gateway's authorizer, WAF and
 * throttling.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html
 */
export const acmeLbLoadbalancerEnforceInternalVpcLinkTarget: AcmeStackPolicy = {
  name: "acme-lb-loadbalancer-enforce-internal-vpc-link-target",
  description:
    "Requires load balancers that API Gateway reaches through a VPC link to be internal.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["LB-INTERNAL-FOR-VPCLINK"],
  resourceType: LB_LOAD_BALANCER,
  // Not tagged with one type: it checks both the aws.lb and aws.alb types.
  validateStack: (args, reportViolation) => {
    const targets = new Set([
      ...args.resources
        .filter((r) => r.type === APIGATEWAY_INTEGRATION)
        .flatMap((r) => stringList(r.props.integrationTarget)),
      ...args.resources
        .filter((r) => r.type === APIGATEWAY_VPC_LINK)
        .flatMap((r) => stringList(r.props.targetArns)),
    ]);
    if (targets.size === 0) {
      return;
    }
    for (const lb of args.resources.filter((r) => LB_LOAD_BALANCER_TYPES.includes(r.type))) {
      if (targets.has(lb.props.arn as string) && lb.props.internal !== true) {
        reportViolation(
          `Load balancer ${lb.name} is a VPC link target but internal is ` +
            `${describe(lb.props.internal)}; set it to true.`,
          lb.urn,
        );
      }
    }
  },
};
