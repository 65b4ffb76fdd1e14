import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isNonEmptyString, isAwsManagedKeyRef } from "../../../lib/values";

const SQS_QUEUE = "aws:sqs/queue:Queue";

// AWS managed keys (alias/aws/sqs and its ARN form): their key policy cannot be edited, so no
// grant can be audited or revoked, and AWS services cannot be allowed to publish to the queue.

/**
 * SQS queues, dead-letter queues included, must be encrypted with a customer-managed KMS key:
 * SSE-SQS (an SQS-owned key) and the AWS managed `alias/aws/sqs` key encrypt too, but nobody can
 * scope or revoke who decrypts.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
 */
export const acmeSqsQueueEnforceCmkEncryption: AcmeResourcePolicy = {
  name: "acme-sqs-queue-enforce-cmk-encryption",
  description: "Requires SQS queues to be encrypted with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["SQS.1", "CKV2_AWS_73"],
  resourceType: SQS_QUEUE,
  validateResource: validateResourceType(SQS_QUEUE, (args, reportViolation) => {
    const fix = "set kmsMasterKeyId to a customer-managed KMS key.";
    if (args.props.sqsManagedSseEnabled === true) {
      reportViolation(
        `sqsManagedSseEnabled is true, which encrypts with an SQS-owned key; remove it and ${fix}`,
      );
      return;
    }
    const key: unknown = args.props.kmsMasterKeyId;
    if (!isNonEmptyString(key)) {
      reportViolation(
        `kmsMasterKeyId is ${describe(key)}, so the queue uses SSE-SQS or no encryption; ${fix}`,
      );
    } else if (isAwsManagedKeyRef(key)) {
      reportViolation(`kmsMasterKeyId is "${key}", an AWS managed key; ${fix}`);
    }
  }),
};
