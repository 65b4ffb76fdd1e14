/** What several rules need to know about load balancers in a stack. */
import type { PolicyResource } from "@pulumi/policy";
import { LB_LOAD_BALANCER_TYPES } from "./resourceTypes";
import { isRecord, isUnset } from "./values";

/** An unset `loadBalancerType` means an Application Load Balancer (the API default). */
export function isApplicationLoadBalancer(props: Record<string, unknown>): boolean {
  const type: unknown = props.loadBalancerType;
  return isUnset(type) || type === "application";
}

/**
 * Names of the S3 buckets an Application Load Balancer of the stack delivers access logs to
 * (`accessLogs.enabled` true). ALB access logs support only SSE-S3 on the bucket, so these buckets
 * are the pack's one exception to SSE-KMS.
 */
export function albAccessLogBuckets(resources: readonly PolicyResource[]): string[] {
  return resources.flatMap((r) => {
    if (!LB_LOAD_BALANCER_TYPES.includes(r.type) || !isApplicationLoadBalancer(r.props)) {
      return [];
    }
    const logs: unknown = r.props.accessLogs;
    return isRecord(logs) && logs.enabled === true && typeof logs.bucket === "string"
      ? [logs.bucket]
      : [];
  });
}
