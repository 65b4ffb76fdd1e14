import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { EKS_CLUSTER } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString, isRecord } from "../../../lib/values";

/**
 * EKS clusters must envelope-encrypt Kubernetes Secrets with a customer-managed KMS key. Clusters
 * on 1.28+ encrypt with an AWS-owned key by default, which EKS.3 does not accept.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/eks-controls.html#eks-3
 */
export const acmeEksClusterEnableSecretsEncryption: AcmeResourcePolicy = {
  name: "acme-eks-cluster-enable-secrets-encryption",
  description:
    "Requires EKS clusters to encrypt Kubernetes Secrets with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["EKS.3"],
  resourceType: EKS_CLUSTER,
  validateResource: validateResourceType(EKS_CLUSTER, (args, reportViolation) => {
    // @pulumi/aws 7 models encryptionConfig as a single object.
    const encryption: unknown = args.props.encryptionConfig;
    if (!isRecord(encryption)) {
      reportViolation(
        `encryptionConfig is ${describe(encryption)}; set it with resources: ["secrets"] and ` +
          "provider.keyArn of a customer-managed KMS key.",
      );
      return;
    }
    const resources: unknown = encryption.resources;
    if (!Array.isArray(resources) || !resources.includes("secrets")) {
      reportViolation(
        `encryptionConfig.resources is ${describe(resources)}; include "secrets" so EKS ` +
          "envelope-encrypts Kubernetes Secrets.",
      );
    }
    const provider: unknown = encryption.provider;
    const keyArn: unknown = isRecord(provider) ? provider.keyArn : undefined;
    if (!isNonEmptyString(keyArn)) {
      reportViolation(
        `encryptionConfig.provider.keyArn is ${describe(keyArn)}; ` +
          "set it to the ARN of a customer-managed KMS key.",
      );
    }
  }),
};
