import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { KMS_KEY } from "../../../lib/resourceTypes";
import { isUnset } from "../../../lib/values";

/** The AWS default and maximum waiting period before a scheduled key deletion. */
const AWS_DEFAULT_WINDOW_DAYS = 30;

/** Configuration of {@link acmeKmsKeyConfigureDeletionWindow}. */
export interface DeletionWindowConfig {
  minimumDeletionWindowInDays?: number;
}

/**
 * KMS keys must keep the deletion waiting period long enough to notice and cancel a mistaken
 * deletion. An unset window passes: AWS then uses 30 days, the longest it allows.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-3
 */
export const acmeKmsKeyConfigureDeletionWindow: AcmeResourcePolicy = {
  name: "acme-kms-key-configure-deletion-window",
  description:
    "Requires KMS keys to wait at least the configured number of days before they are deleted.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["KMS.3"],
  resourceType: KMS_KEY,
  configSchema: {
    properties: {
      minimumDeletionWindowInDays: {
        type: "integer",
        minimum: 7,
        maximum: AWS_DEFAULT_WINDOW_DAYS,
        default: AWS_DEFAULT_WINDOW_DAYS,
        description: "The shortest deletionWindowInDays a key may declare (7 to 30).",
      },
    },
  },
  validateResource: validateResourceType(KMS_KEY, (args, reportViolation) => {
    const minimum =
      args.getConfig<DeletionWindowConfig>().minimumDeletionWindowInDays ?? AWS_DEFAULT_WINDOW_DAYS;
    const window: unknown = args.props.deletionWindowInDays;
    if (isUnset(window)) {
      return;
    }
    if (typeof window !== "number" || window < minimum) {
      reportViolation(
        `deletionWindowInDays is ${JSON.stringify(window)}; set it to at least ${minimum} so a ` +
          "key scheduled for deletion by mistake can still be recovered.",
      );
    }
  }),
};
