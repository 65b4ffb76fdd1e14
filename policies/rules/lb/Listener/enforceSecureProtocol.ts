import type { ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { LB_LISTENER, LB_LISTENER_TYPES } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString, isRecord } from "../../../lib/values";

const TLS_PROTOCOLS = ["HTTPS", "TLS"];

/** True when `actions` is exactly one redirect to HTTPS (what ELB.1 asks of an HTTP listener). */
function redirectsToHttps(actions: unknown): boolean {
  if (!Array.isArray(actions) || actions.length !== 1) {
    return false;
  }
  const [action]: unknown[] = actions;
  return (
    isRecord(action) &&
    action.type === "redirect" &&
    isRecord(action.redirect) &&
    action.redirect.protocol === "HTTPS" &&
    action.redirect.port === "443"
  );
}

function check(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
  const protocol: unknown = args.props.protocol;
  if (TLS_PROTOCOLS.includes(protocol as string)) {
    const certificate: unknown = args.props.certificateArn;
    if (!isNonEmptyString(certificate)) {
      reportViolation(
        `protocol is ${JSON.stringify(protocol)} but certificateArn is ${describe(certificate)}; ` +
          "set it to an ACM certificate's ARN.",
      );
    }
    return;
  }
  // Unset is HTTP for an Application Load Balancer (the only kind whose listeners may omit it).
  if (
    (protocol === "HTTP" || protocol === undefined || protocol === null) &&
    redirectsToHttps(args.props.defaultActions)
  ) {
    return;
  }
  reportViolation(
    `protocol is ${describe(protocol)}; use "HTTPS" (Application Load Balancer) or "TLS" (Network ` +
      'Load Balancer) with an ACM certificate, or make an "HTTP" listener\'s only default ' +
      'action a redirect to protocol "HTTPS" on port "443".',
  );
}

/**
 * Load balancer listeners must encrypt what they receive: HTTPS or TLS with an ACM certificate.
 * The one plain listener allowed is HTTP whose only default action redirects to HTTPS on port 443
 * (ELB.1's redirect, so the rule enforces ELB.1 too), which carries no request to a target; Security Hub's ELB.18 still reports such a
 * listener, a finding the pack accepts. TCP, UDP and TCP_UDP listeners carry data unencrypted.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-18
 */
export const acmeLbListenerEnforceSecureProtocol: AcmeResourcePolicy = {
  name: "acme-lb-listener-enforce-secure-protocol",
  description:
    "Requires load balancer listeners to use HTTPS or TLS with a certificate, or to only redirect HTTP to HTTPS.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ELB.18", "ELB.1"],
  resourceType: LB_LISTENER,
  validateResource: LB_LISTENER_TYPES.map((t) => validateResourceType(t, check)),
};
