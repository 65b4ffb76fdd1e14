import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { KMS_KEY } from "../../../lib/resourceTypes";

/**
 * KMS keys must not be created or left disabled (`isEnabled: false`): everything encrypted with a
 * disabled key becomes unreadable until it is enabled again. Unset means enabled. Advisory: a
 * deliberate disable before deletion is a recovery step.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/kms/latest/developerguide/enabling-keys.html
 */
export const acmeKmsKeyEnforceEnabledState: AcmeResourcePolicy = {
  name: "acme-kms-key-enforce-enabled-state",
  description: "Requires KMS keys to be enabled.",
  enforcementLevel: "advisory",
  severity: "low",
  controls: ["CKV_AWS_227"],
  resourceType: KMS_KEY,
  validateResource: validateResourceType(KMS_KEY, (args, reportViolation) => {
    if (args.props.isEnabled === false) {
      reportViolation(
        "isEnabled is false, so nothing encrypted with the key can be decrypted; set it to true.",
      );
    }
  }),
};
