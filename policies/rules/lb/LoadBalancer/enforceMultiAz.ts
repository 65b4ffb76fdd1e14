import type { PolicyResource } from "@pulumi/policy";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { LB_LOAD_BALANCER, LB_LOAD_BALANCER_TYPES } from "../../../lib/resourceTypes";
import { isRecord, stringList } from "../../../lib/values";

const EC2_SUBNET = "aws:ec2/subnet:Subnet";

/** A subnet's id: its `id` output where present, else the end of its ARN (`...:subnet/<id>`). */
function subnetId(subnet: PolicyResource): string | undefined {
  const id: unknown = subnet.props.id;
  if (typeof id === "string") {
    return id;
  }
  const arn: unknown = subnet.props.arn;
  return typeof arn === "string" ? /:subnet\/(subnet-[\w-]+)$/.exec(arn)?.[1] : undefined;
}

/** The subnet ids a load balancer is placed in, from `subnets` and `subnetMappings`. */
function subnetsOf(lb: PolicyResource): string[] {
  const mappings: unknown = lb.props.subnetMappings;
  const mapped = Array.isArray(mappings)
    ? mappings.flatMap((m: unknown) => (isRecord(m) ? stringList(m.subnetId) : []))
    : [];
  return [...new Set([...stringList(lb.props.subnets), ...mapped])];
}

/**
 * Load balancers must span at least two Availability Zones, so one zone's outage leaves the
 * front door up. Each subnet of `subnets` and `subnetMappings` is looked up among the stack's
 * `aws.ec2.Subnet`s for its zone; a subnet the stack does not declare counts as a zone of its
 * own, since it may be one, so only a load balancer proven to sit in one zone is reported.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-13
 */
export const acmeLbLoadbalancerEnforceMultiAz: AcmeStackPolicy = {
  name: "acme-lb-loadbalancer-enforce-multi-az",
  description: "Requires load balancers to span at least two Availability Zones.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ELB.13"],
  resourceType: LB_LOAD_BALANCER,
  // Not tagged with one type: it checks both load balancer types.
  validateStack: (args, reportViolation) => {
    const balancers = args.resources.filter((r) => LB_LOAD_BALANCER_TYPES.includes(r.type));
    if (balancers.length === 0) {
      return;
    }
    const zoneOf = new Map<string, unknown>();
    for (const subnet of args.resources.filter((r) => r.type === EC2_SUBNET)) {
      const id = subnetId(subnet);
      if (id !== undefined) {
        zoneOf.set(id, subnet.props.availabilityZone);
      }
    }
    for (const lb of balancers) {
      const subnets = subnetsOf(lb);
      const zones = new Set(subnets.map((s) => (zoneOf.has(s) ? zoneOf.get(s) : s)));
      if (zones.size < 2) {
        const where =
          subnets.length === 0
            ? "names no subnet"
            : subnets.length === 1
              ? `is placed in one subnet, ${subnets[0]}`
              : `is placed in ${subnets.join(", ")}, all in ${String([...zones][0])}`;
        reportViolation(
          `Load balancer ${lb.name} ${where}; give it subnets in at least two Availability Zones.`,
          lb.urn,
        );
      }
    }
  },
};
