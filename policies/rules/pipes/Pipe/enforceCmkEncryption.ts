import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { PIPES_PIPE } from "../../../lib/resourceTypes";
import { describe, isAwsManagedKeyRef, isNonEmptyString } from "../../../lib/values";

/**
 * EventBridge pipes must encrypt what they store (filter patterns, input templates, enrichment
 * parameters) with a customer-managed KMS key: without `kmsKeyIdentifier` EventBridge uses an AWS
 * owned key. Events passing through a pipe are never stored.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-pipes-cmkey.html
 */
export const acmePipesPipeEnforceCmkEncryption: AcmeResourcePolicy = {
  name: "acme-pipes-pipe-enforce-cmk-encryption",
  description: "Requires EventBridge pipes to be encrypted with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: [],
  controlGap:
    "The shared control set has no EventBridge Pipes control; issue 14 requires the workflow trigger's pipe to be encrypted with the platform's data key.",
  resourceType: PIPES_PIPE,
  validateResource: validateResourceType(PIPES_PIPE, (args, reportViolation) => {
    const fix = "set kmsKeyIdentifier to a customer-managed KMS key ARN.";
    const key: unknown = args.props.kmsKeyIdentifier;
    if (!isNonEmptyString(key)) {
      reportViolation(
        `kmsKeyIdentifier is ${describe(key)}, so EventBridge uses an AWS owned key; ${fix}`,
      );
    } else if (isAwsManagedKeyRef(key)) {
      reportViolation(`kmsKeyIdentifier is "${key}", an AWS managed key; ${fix}`);
    }
  }),
};
