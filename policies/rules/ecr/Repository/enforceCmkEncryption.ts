import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isNonEmptyString, isRecord, isAwsManagedKeyRef } from "../../../lib/values";

const ECR_REPOSITORY = "aws:ecr/repository:Repository";
const KMS_TYPES = ["KMS", "KMS_DSSE"];

// The AWS managed key (alias/aws/ecr and its ARN form): its key policy cannot be edited.

/**
 * ECR repositories must be encrypted with a customer-managed KMS key:
 * `encryptionConfigurations[0]` with `encryptionType: "KMS"` and a `kmsKey`. Without it ECR uses
 * AES-256 with an Amazon S3 managed key; with KMS and no key, the AWS managed `alias/aws/ecr`.
 * The setting cannot be changed after the repository is created, so the rule is mandatory from
 * the first deployment.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-5
 */
export const acmeEcrRepositoryEnforceCmkEncryption: AcmeResourcePolicy = {
  name: "acme-ecr-repository-enforce-cmk-encryption",
  description: "Requires ECR repositories to be encrypted with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["ECR.5"],
  resourceType: ECR_REPOSITORY,
  validateResource: validateResourceType(ECR_REPOSITORY, (args, reportViolation) => {
    const fix =
      'set encryptionConfigurations to [{ encryptionType: "KMS", kmsKey: <customer-managed key ARN> }] (it cannot change after creation).';
    const configs: unknown = args.props.encryptionConfigurations;
    const first: unknown = Array.isArray(configs) ? configs[0] : undefined;
    if (!isRecord(first)) {
      reportViolation(
        `encryptionConfigurations is ${describe(configs)}, so ECR encrypts with AES-256 and an ` +
          `S3 managed key; ${fix}`,
      );
      return;
    }
    const type: unknown = first.encryptionType;
    if (typeof type !== "string" || !KMS_TYPES.includes(type)) {
      reportViolation(`encryptionConfigurations[0].encryptionType is ${describe(type)}; ${fix}`);
      return;
    }
    const key: unknown = first.kmsKey;
    if (!isNonEmptyString(key)) {
      reportViolation(
        `encryptionConfigurations[0].kmsKey is ${describe(key)}, so ECR uses the AWS managed key ` +
          `alias/aws/ecr; ${fix}`,
      );
    } else if (isAwsManagedKeyRef(key)) {
      reportViolation(`encryptionConfigurations[0].kmsKey is "${key}", an AWS managed key; ${fix}`);
    }
  }),
};
