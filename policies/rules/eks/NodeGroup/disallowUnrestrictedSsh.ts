import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { isRecord, isUnset, stringList } from "../../../lib/values";

const EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";

/**
 * A managed node group with `remoteAccess` (an SSH key) must list
 * `remoteAccess.sourceSecurityGroupIds`: without them EKS opens port 22 to 0.0.0.0/0. The
 * platform's node groups set no `remoteAccess` at all (nodes are reached through SSM).
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/eks/latest/APIReference/API_RemoteAccessConfig.html
 */
export const acmeEksNodegroupDisallowUnrestrictedSsh: AcmeResourcePolicy = {
  name: "acme-eks-nodegroup-disallow-unrestricted-ssh",
  description:
    "Prohibits EKS node groups that allow SSH without naming the security groups it may come from.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["CKV_AWS_100"],
  resourceType: EKS_NODE_GROUP,
  validateResource: validateResourceType(EKS_NODE_GROUP, (args, reportViolation) => {
    const remote: unknown = args.props.remoteAccess;
    if (isUnset(remote)) {
      return;
    }
    const groups = isRecord(remote) ? stringList(remote.sourceSecurityGroupIds) : [];
    if (groups.length === 0) {
      reportViolation(
        "remoteAccess has no sourceSecurityGroupIds, so SSH is open to 0.0.0.0/0; remove " +
          "remoteAccess (use SSM) or list the security groups SSH may come from.",
      );
    }
  }),
};
