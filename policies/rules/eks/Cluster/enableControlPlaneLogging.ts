import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { EKS_CLUSTER } from "../../../lib/resourceTypes";
import { describe } from "../../../lib/values";

const REQUIRED_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/**
 * EKS clusters must send every control-plane log type to CloudWatch Logs. EKS.8 needs only audit;
 * the pack follows CKV_AWS_37 and requires all five, because authenticator logs are the only
 * record of which IAM identity acted in the cluster.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/eks-controls.html#eks-8
 */
export const acmeEksClusterEnableControlPlaneLogging: AcmeResourcePolicy = {
  name: "acme-eks-cluster-enable-control-plane-logging",
  description: "Requires EKS clusters to enable all five control-plane log types.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["EKS.8"],
  resourceType: EKS_CLUSTER,
  validateResource: validateResourceType(EKS_CLUSTER, (args, reportViolation) => {
    const logTypes: unknown = args.props.enabledClusterLogTypes;
    const enabled: unknown[] = Array.isArray(logTypes) ? [...logTypes] : [];
    const missing = REQUIRED_LOG_TYPES.filter((t) => !enabled.includes(t));
    if (missing.length > 0) {
      reportViolation(
        `enabledClusterLogTypes is ${describe(logTypes)} and lacks ${missing.join(", ")}; ` +
          `enable ${REQUIRED_LOG_TYPES.join(", ")}.`,
      );
    }
  }),
};
