import type { ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { LB_LISTENER, LB_LISTENER_TYPES } from "../../../lib/resourceTypes";
import { describe } from "../../../lib/values";
import { RECOMMENDED_POLICIES } from "../../../lib/elbTlsPolicies";

const TLS_PROTOCOLS = ["HTTPS", "TLS"];

function check(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
  const protocol: unknown = args.props.protocol;
  if (!TLS_PROTOCOLS.includes(protocol as string)) {
    return;
  }
  const policy: unknown = args.props.sslPolicy;
  if (typeof policy !== "string" || !RECOMMENDED_POLICIES.includes(policy)) {
    const unset =
      typeof policy === "string"
        ? ""
        : " (unset means ELBSecurityPolicy-2016-08, which allows TLS 1.0)";
    reportViolation(
      `sslPolicy is ${describe(policy)}${unset}; set it to one of ${RECOMMENDED_POLICIES.join(", ")}.`,
    );
  }
}

/**
 * HTTPS and TLS listeners must name one of the security policies ELB.17 recommends. An unset
 * `sslPolicy` is `ELBSecurityPolicy-2016-08`, which still accepts TLS 1.0. Listeners of other
 * protocols are the concern of acme-lb-listener-enforce-secure-protocol.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-17
 */
export const acmeLbListenerEnforceTlsPolicy: AcmeResourcePolicy = {
  name: "acme-lb-listener-enforce-tls-policy",
  description: "Requires HTTPS and TLS listeners to use a security policy that ELB.17 recommends.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ELB.17"],
  resourceType: LB_LISTENER,
  validateResource: LB_LISTENER_TYPES.map((t) => validateResourceType(t, check)),
};
