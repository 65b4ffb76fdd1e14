import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { CLOUDWATCH_LOG_GROUP } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString } from "../../../lib/values";

/**
 * CloudWatch log groups must be encrypted with a customer-managed KMS key, so that reading the
 * logs needs a key grant that can be audited and revoked.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export const acmeCloudwatchLoggroupMissingKmsKey: AcmeResourcePolicy = {
  name: "acme-cloudwatch-loggroup-missing-kms-key",
  description: "Requires CloudWatch log groups to be encrypted with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["CKV_AWS_158"],
  resourceType: CLOUDWATCH_LOG_GROUP,
  validateResource: validateResourceType(CLOUDWATCH_LOG_GROUP, (args, reportViolation) => {
    const kmsKeyId: unknown = args.props.kmsKeyId;
    if (!isNonEmptyString(kmsKeyId)) {
      reportViolation(
        `kmsKeyId is ${describe(kmsKeyId)}; set it to a customer-managed KMS key whose policy ` +
          "allows logs.<region>.amazonaws.com.",
      );
    }
  }),
};
