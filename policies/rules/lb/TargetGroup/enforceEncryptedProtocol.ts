import type { ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { LB_TARGET_GROUP, LB_TARGET_GROUP_TYPES } from "../../../lib/resourceTypes";
import { describe, isRecord } from "../../../lib/values";

/** Targets that are not reached over a network protocol the group chooses. */
const EXEMPT_TARGET_TYPES = ["lambda", "alb"];
const ENCRYPTED_PROTOCOLS = ["HTTPS", "TLS"];

function check(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
  if (EXEMPT_TARGET_TYPES.includes(args.props.targetType as string)) {
    return;
  }
  const protocol: unknown = args.props.protocol;
  if (!ENCRYPTED_PROTOCOLS.includes(protocol as string)) {
    reportViolation(
      `protocol is ${describe(protocol)}; set it to "HTTPS" (or "TLS" behind a Network Load ` +
        "Balancer) and serve TLS on the target port.",
    );
  }
  const healthCheck: unknown = args.props.healthCheck;
  const healthProtocol = isRecord(healthCheck) ? healthCheck.protocol : undefined;
  if (healthProtocol !== "HTTPS") {
    reportViolation(
      `healthCheck.protocol is ${describe(healthProtocol)} (unset means HTTP, or TCP behind a ` +
        'Network Load Balancer); set it to "HTTPS".',
    );
  }
}

/**
 * Target groups must reach their targets, and check their health, over TLS: `protocol` HTTPS or
 * TLS and `healthCheck.protocol` HTTPS, so the hop from the load balancer to the pod is
 * encrypted too. Lambda and ALB target types are exempt, as the control exempts them.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-22
 */
export const acmeLbTargetgroupEnforceEncryptedProtocol: AcmeResourcePolicy = {
  name: "acme-lb-targetgroup-enforce-encrypted-protocol",
  description:
    "Requires load balancer target groups to use HTTPS or TLS for traffic and HTTPS for health checks.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ELB.22"],
  resourceType: LB_TARGET_GROUP,
  validateResource: LB_TARGET_GROUP_TYPES.map((t) => validateResourceType(t, check)),
};
