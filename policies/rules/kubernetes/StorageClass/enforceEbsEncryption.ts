import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { K8S_STORAGE_CLASS } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString, isRecord } from "../../../lib/values";

const EBS_CSI = "ebs.csi.aws.com";
const IN_TREE_EBS = "kubernetes.io/aws-ebs";

/**
 * The EBS CSI driver reads StorageClass parameter names case-insensitively; only the parameter
 * asked for is read, so an unrelated unknown value cannot make the check undecidable.
 */
function parameter(parameters: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(parameters).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : parameters[key];
}

/**
 * StorageClasses backed by EBS must provision encrypted volumes under a customer-managed key, and
 * must use the EBS CSI driver: the in-tree kubernetes.io/aws-ebs plugin is deprecated and
 * redirected to the driver, which hides what is actually provisioned.
 *
 * @severity high
 * @link https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md
 */
export const acmeKubernetesStorageclassEnforceEbsEncryption: AcmeResourcePolicy = {
  name: "acme-kubernetes-storageclass-enforce-ebs-encryption",
  description:
    "Requires EBS StorageClasses to use the EBS CSI driver with encrypted set to true and a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["K8S-SC-EBS-ENCRYPTED"],
  resourceType: K8S_STORAGE_CLASS,
  validateResource: validateResourceType(K8S_STORAGE_CLASS, (args, reportViolation) => {
    const provisioner: unknown = args.props.provisioner;
    if (provisioner === IN_TREE_EBS) {
      reportViolation(
        `provisioner is "${IN_TREE_EBS}", the deprecated in-tree EBS plugin; use "${EBS_CSI}" ` +
          'with parameters encrypted: "true" and kmsKeyId.',
      );
      return;
    }
    if (provisioner !== EBS_CSI) {
      args.notApplicable(`Only StorageClasses provisioned by ${EBS_CSI} are checked.`);
    }
    const params: unknown = args.props.parameters;
    const parameters = isRecord(params) ? params : {};
    const encrypted = parameter(parameters, "encrypted");
    if (encrypted !== "true") {
      reportViolation(
        `parameters.encrypted is ${describe(encrypted)}; set it to "true" so provisioned EBS ` +
          "volumes are encrypted.",
      );
    }
    const kmsKeyId = parameter(parameters, "kmsKeyId");
    if (!isNonEmptyString(kmsKeyId)) {
      reportViolation(
        `parameters.kmsKeyId is ${describe(kmsKeyId)}; set it to a customer-managed KMS key ARN ` +
          "so volumes are not encrypted with the aws/ebs key.",
      );
    }
  }),
};
