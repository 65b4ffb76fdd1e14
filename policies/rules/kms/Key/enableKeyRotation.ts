import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { KMS_KEY } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString } from "../../../lib/values";

interface KeyProps {
  enableKeyRotation?: unknown;
  customerMasterKeySpec?: unknown;
  keySpec?: unknown;
  customKeyStoreId?: unknown;
}

/**
 * Symmetric KMS keys must rotate their key material automatically.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-4
 */
export const acmeKmsKeyEnableKeyRotation: AcmeResourcePolicy = {
  name: "acme-kms-key-enable-key-rotation",
  description: "Requires automatic key rotation on symmetric KMS keys.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["KMS.4"],
  resourceType: KMS_KEY,
  validateResource: validateResourceType(KMS_KEY, (args, reportViolation) => {
    const key = args.props as KeyProps;
    // AWS cannot rotate asymmetric or HMAC keys, nor keys in a custom key store; flagging them
    // would be a violation nobody can fix.
    const spec = key.customerMasterKeySpec ?? key.keySpec ?? "SYMMETRIC_DEFAULT";
    if (spec !== "SYMMETRIC_DEFAULT") {
      args.notApplicable(`Keys with spec ${String(spec)} cannot rotate automatically.`);
    }
    if (isNonEmptyString(key.customKeyStoreId)) {
      args.notApplicable("Keys in a custom key store cannot rotate automatically.");
    }
    if (key.enableKeyRotation !== true) {
      reportViolation(
        `enableKeyRotation is ${describe(key.enableKeyRotation)}; set it to true so KMS rotates ` +
          "the key material every year.",
      );
    }
  }),
};
