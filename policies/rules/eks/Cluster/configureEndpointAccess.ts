import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { EKS_CLUSTER } from "../../../lib/resourceTypes";
import { describe, isRecord, isUnset } from "../../../lib/values";

const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

/** Configuration of {@link acmeEksClusterConfigureEndpointAccess}. */
export interface EndpointAccessConfig {
  allowRestrictedPublicEndpoint?: boolean;
}

/**
 * The EKS API server must be reachable privately, and publicly either not at all or only from
 * listed networks. The API defaults are insecure: an unset endpointPublicAccess is true, and unset
 * publicAccessCidrs is 0.0.0.0/0. Security Hub EKS.1 fails any public endpoint; set
 * allowRestrictedPublicEndpoint to false to enforce that strictly.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/eks-controls.html#eks-1
 */
export const acmeEksClusterConfigureEndpointAccess: AcmeResourcePolicy = {
  name: "acme-eks-cluster-configure-endpoint-access",
  description:
    "Requires EKS clusters to enable the private API endpoint and to disable the public one or restrict it to listed networks.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["EKS.1", "CKV_AWS_38"],
  resourceType: EKS_CLUSTER,
  configSchema: {
    properties: {
      allowRestrictedPublicEndpoint: {
        type: "boolean",
        default: true,
        description:
          "Accept a public endpoint whose publicAccessCidrs exclude 0.0.0.0/0 (CKV_AWS_38); false enforces EKS.1 strictly.",
      },
    },
  },
  validateResource: validateResourceType(EKS_CLUSTER, (args, reportViolation) => {
    const allowRestricted =
      args.getConfig<EndpointAccessConfig>().allowRestrictedPublicEndpoint ?? true;
    const vpc: unknown = args.props.vpcConfig;
    const vpcConfig = isRecord(vpc) ? vpc : {};

    const privateAccess = vpcConfig.endpointPrivateAccess;
    if (privateAccess !== true) {
      reportViolation(
        `vpcConfig.endpointPrivateAccess is ${describe(privateAccess)}` +
          `${isUnset(privateAccess) ? " (AWS default: false)" : ""}; set it to true so nodes ` +
          "and in-VPC clients reach the API server without leaving the VPC.",
      );
    }

    const publicAccess = vpcConfig.endpointPublicAccess;
    if (publicAccess === false) {
      return;
    }
    const publicState =
      `vpcConfig.endpointPublicAccess is ${describe(publicAccess)}` +
      `${isUnset(publicAccess) ? " (AWS default: true)" : ""}`;
    if (!allowRestricted) {
      reportViolation(`${publicState}; set it to false and reach the API server privately.`);
      return;
    }
    const cidrs: unknown = vpcConfig.publicAccessCidrs;
    if (!Array.isArray(cidrs) || cidrs.length === 0) {
      reportViolation(
        `${publicState} and publicAccessCidrs is ${describe(cidrs)}` +
          `${isUnset(cidrs) ? ' (AWS default: ["0.0.0.0/0"])' : ""}; set endpointPublicAccess ` +
          "to false, or list only known networks in publicAccessCidrs.",
      );
      return;
    }
    const open = cidrs.filter((c) => OPEN_CIDRS.includes(c));
    if (open.length > 0) {
      reportViolation(
        `${publicState} and publicAccessCidrs contains ${open.join(", ")}, which opens the API ` +
          "server to the whole internet; set endpointPublicAccess to false, or list only known networks.",
      );
    }
  }),
};
