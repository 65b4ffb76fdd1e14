import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { LB_LOAD_BALANCER, LB_LOAD_BALANCER_TYPES } from "../../../lib/resourceTypes";
import { describe } from "../../../lib/values";

/**
 * Network and Gateway Load Balancers must enable cross-zone load balancing, off by default for
 * them, so a zone with fewer healthy targets is not overloaded. Application Load Balancers always
 * balance across zones and pass. Advisory: it is resilience hygiene.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#cross-zone-load-balancing
 */
export const acmeLbLoadbalancerEnableCrossZoneLoadBalancing: AcmeResourcePolicy = {
  name: "acme-lb-loadbalancer-enable-cross-zone-load-balancing",
  description: "Requires Network and Gateway Load Balancers to balance across Availability Zones.",
  enforcementLevel: "advisory",
  severity: "low",
  controls: ["CKV_AWS_152"],
  resourceType: LB_LOAD_BALANCER,
  validateResource: LB_LOAD_BALANCER_TYPES.map((t) =>
    validateResourceType(t, (args, reportViolation) => {
      const type: unknown = args.props.loadBalancerType;
      if (
        (type === "network" || type === "gateway") &&
        args.props.enableCrossZoneLoadBalancing !== true
      ) {
        reportViolation(
          `enableCrossZoneLoadBalancing is ${describe(args.props.enableCrossZoneLoadBalancing)} on ` +
            `a ${type} load balancer; set it to true.`,
        );
      }
    }),
  ),
};
