import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { SFN_STATE_MACHINE } from "../../../lib/resourceTypes";
import { describe, isAwsManagedKeyRef, isNonEmptyString, isRecord } from "../../../lib/values";

/**
 * State machines must encrypt their definition and execution history with a customer-managed KMS
 * key. Without `encryptionConfiguration` (or with `AWS_OWNED_KEY`) Step Functions uses a key only
 * AWS controls, so no key policy the platform owns decides who reads execution data.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html
 */
export const acmeSfnStatemachineEnforceCmkEncryption: AcmeResourcePolicy = {
  name: "acme-sfn-statemachine-enforce-cmk-encryption",
  description:
    "Requires Step Functions state machines to be encrypted with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: [],
  controlGap:
    "The shared control set has no Step Functions control (no StepFunctions.* id); issue 14 requires the state machine to be encrypted with the platform's data key.",
  resourceType: SFN_STATE_MACHINE,
  validateResource: validateResourceType(SFN_STATE_MACHINE, (args, reportViolation) => {
    const fix =
      'set encryptionConfiguration to { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: <customer-managed key ARN> }.';
    const encryption: unknown = args.props.encryptionConfiguration;
    if (!isRecord(encryption)) {
      reportViolation(
        `encryptionConfiguration is ${describe(encryption)}, so Step Functions uses an AWS owned key; ${fix}`,
      );
      return;
    }
    if (encryption.type !== "CUSTOMER_MANAGED_KMS_KEY") {
      reportViolation(`encryptionConfiguration.type is ${describe(encryption.type)}; ${fix}`);
      return;
    }
    const key: unknown = encryption.kmsKeyId;
    if (!isNonEmptyString(key)) {
      reportViolation(`encryptionConfiguration.kmsKeyId is ${describe(key)}; ${fix}`);
    } else if (isAwsManagedKeyRef(key)) {
      reportViolation(`encryptionConfiguration.kmsKeyId is "${key}", an AWS managed key; ${fix}`);
    }
  }),
};
