import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { EKS_CLUSTER } from "../../../lib/resourceTypes";
import { describe } from "../../../lib/values";

/** `1.34` -> [1, 34]; undefined for anything else. */
function parseVersion(value: unknown): [number, number] | undefined {
  const match = typeof value === "string" ? /^(\d+)\.(\d+)$/.exec(value) : null;
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** The config of {@link acmeEksClusterEnforceSupportedVersion}. */
interface SupportedVersionConfig {
  oldestSupportedVersion: string;
}

/**
 * EKS clusters must pin `version` to a Kubernetes minor version EKS still supports in standard
 * support, at least `oldestSupportedVersion` (config; raise it as EKS retires versions, from the
 * release calendar linked below). Unset is reported: EKS then picks its default, which drifts.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
 */
export const acmeEksClusterEnforceSupportedVersion: AcmeResourcePolicy = {
  name: "acme-eks-cluster-enforce-supported-version",
  description:
    "Requires EKS clusters to pin a Kubernetes version no older than the oldest one EKS supports.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["EKS.2"],
  resourceType: EKS_CLUSTER,
  configSchema: {
    properties: {
      oldestSupportedVersion: {
        type: "string",
        pattern: "^\\d+\\.\\d+$",
        default: "1.33",
        description: "The oldest Kubernetes minor version in EKS standard support.",
      },
    },
  },
  validateResource: validateResourceType(EKS_CLUSTER, (args, reportViolation) => {
    const { oldestSupportedVersion } = args.getConfig<SupportedVersionConfig>();
    const oldest = parseVersion(oldestSupportedVersion) ?? [0, 0];
    const version = parseVersion(args.props.version);
    if (
      version === undefined ||
      version[0] < oldest[0] ||
      (version[0] === oldest[0] && version[1] < oldest[1])
    ) {
      reportViolation(
        `version is ${describe(args.props.version)}; pin a Kubernetes version EKS supports, ` +
          `${oldestSupportedVersion} or newer.`,
      );
    }
  }),
};
