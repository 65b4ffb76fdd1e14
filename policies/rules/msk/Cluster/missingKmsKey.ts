import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isNonEmptyString, isRecord, isUnset } from "../../../lib/values";

const MSK_CLUSTER = "aws:msk/cluster:Cluster";

/**
 * MSK provisioned clusters must encrypt broker volumes with a customer-managed KMS key rather
 * than the AWS managed key `aws/kafka`, so that reading the data needs a key grant that can be
 * audited and revoked. The key cannot be changed once the cluster exists.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/msk/latest/developerguide/msk-encryption.html
 */
export const acmeMskClusterMissingKmsKey: AcmeResourcePolicy = {
  name: "acme-msk-cluster-missing-kms-key",
  description: "Requires MSK clusters to encrypt data at rest with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["MSK-CMK"],
  resourceType: MSK_CLUSTER,
  validateResource: validateResourceType(MSK_CLUSTER, (args, reportViolation) => {
    const encryption: unknown = args.props.encryptionInfo;
    const keyArn: unknown = isRecord(encryption) ? encryption.encryptionAtRestKmsKeyArn : undefined;
    if (!isNonEmptyString(keyArn)) {
      reportViolation(
        `encryptionInfo.encryptionAtRestKmsKeyArn is ${describe(keyArn)}` +
          `${isUnset(keyArn) ? " (AWS default: the AWS managed key aws/kafka)" : ""}; set it to ` +
          "the ARN of a customer-managed KMS key before the cluster is created, since it cannot be changed later.",
      );
    }
  }),
};
