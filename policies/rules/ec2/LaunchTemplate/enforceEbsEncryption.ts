import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { EC2_LAUNCH_TEMPLATE } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString, isRecord } from "../../../lib/values";

/**
 * Every EBS volume a launch template declares must be encrypted with a customer-managed key.
 * Pulumi types `ebs.encrypted` as the string "true"; a boolean true is accepted as well. A
 * template without block device mappings passes: its volumes come from the AMI, and account-wide
 * EBS encryption by default (EC2.7) is the backstop for them.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-181
 */
export const acmeEc2LaunchtemplateEnforceEbsEncryption: AcmeResourcePolicy = {
  name: "acme-ec2-launchtemplate-enforce-ebs-encryption",
  description:
    "Requires every EBS volume in a launch template to be encrypted with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["EC2.181"],
  resourceType: EC2_LAUNCH_TEMPLATE,
  validateResource: validateResourceType(EC2_LAUNCH_TEMPLATE, (args, reportViolation) => {
    const mappings: unknown = args.props.blockDeviceMappings;
    if (!Array.isArray(mappings)) {
      return;
    }
    mappings.forEach((mapping: unknown, index) => {
      // Instance-store and suppressed (noDevice) mappings have no ebs block.
      if (!isRecord(mapping) || !isRecord(mapping.ebs)) {
        return;
      }
      const device = isNonEmptyString(mapping.deviceName) ? ` (${mapping.deviceName})` : "";
      const where = `blockDeviceMappings[${index}]${device}`;
      const { encrypted, kmsKeyId } = mapping.ebs;
      if (encrypted !== "true" && encrypted !== true) {
        reportViolation(
          `${where} ebs.encrypted is ${describe(encrypted)}; set it to "true" so the volume is ` +
            "encrypted at rest.",
        );
      }
      if (!isNonEmptyString(kmsKeyId)) {
        reportViolation(
          `${where} ebs.kmsKeyId is ${describe(kmsKeyId)}; set it to a customer-managed KMS key ` +
            "ARN so the volume is not encrypted with the aws/ebs key.",
        );
      }
    });
  }),
};
