import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isNonEmptyString, isAwsManagedKeyRef } from "../../../lib/values";

const SNS_TOPIC = "aws:sns/topic:Topic";

// The AWS managed key (alias/aws/sns, by alias or alias ARN): its policy cannot be edited, so
// CloudWatch alarms and other AWS services can never publish to a topic encrypted with it.

/**
 * SNS topics must be encrypted at rest with a customer-managed KMS key. The AWS managed
 * `alias/aws/sns` key encrypts too, but its policy cannot grant `cloudwatch.amazonaws.com`, so
 * alarm notifications to such a topic are silently dropped.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export const acmeSnsTopicEnforceCmkEncryption: AcmeResourcePolicy = {
  name: "acme-sns-topic-enforce-cmk-encryption",
  description: "Requires SNS topics to be encrypted with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["SNS.1"],
  resourceType: SNS_TOPIC,
  validateResource: validateResourceType(SNS_TOPIC, (args, reportViolation) => {
    const fix =
      "set kmsMasterKeyId to a customer-managed KMS key whose policy lets the publishers use it.";
    const key: unknown = args.props.kmsMasterKeyId;
    if (!isNonEmptyString(key)) {
      reportViolation(`kmsMasterKeyId is ${describe(key)}, so the topic is not encrypted; ${fix}`);
    } else if (isAwsManagedKeyRef(key)) {
      reportViolation(
        `kmsMasterKeyId is "${key}", an AWS managed key that CloudWatch alarms cannot use; ${fix}`,
      );
    }
  }),
};
