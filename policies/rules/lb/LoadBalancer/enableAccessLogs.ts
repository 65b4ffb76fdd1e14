import type { ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import { isApplicationLoadBalancer } from "../../../lib/loadBalancers";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { LB_LOAD_BALANCER, LB_LOAD_BALANCER_TYPES } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString, isRecord } from "../../../lib/values";

function check(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
  if (!isApplicationLoadBalancer(args.props)) {
    return;
  }
  const logs: unknown = args.props.accessLogs;
  const enabled = isRecord(logs) ? logs.enabled : undefined;
  const bucket = isRecord(logs) ? logs.bucket : undefined;
  if (enabled !== true || !isNonEmptyString(bucket)) {
    reportViolation(
      `accessLogs.enabled is ${describe(enabled)} and accessLogs.bucket is ${describe(bucket)}; ` +
        "set enabled to true and bucket to an SSE-S3 bucket in the load balancer's Region.",
    );
  }
}

/**
 * Application Load Balancers must deliver access logs to S3 (`accessLogs` enabled, with a
 * bucket): they are the only record of each request the balancer received and where it sent it.
 * The bucket may use SSE-S3, the one encryption ALB log delivery supports; the S3 encryption
 * rules accept that for a bucket named here. Network Load Balancers log only TLS listeners and
 * are not checked.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-5
 */
export const acmeLbLoadbalancerEnableAccessLogs: AcmeResourcePolicy = {
  name: "acme-lb-loadbalancer-enable-access-logs",
  description: "Requires Application Load Balancers to deliver access logs to an S3 bucket.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ELB.5"],
  resourceType: LB_LOAD_BALANCER,
  validateResource: LB_LOAD_BALANCER_TYPES.map((t) => validateResourceType(t, check)),
};
