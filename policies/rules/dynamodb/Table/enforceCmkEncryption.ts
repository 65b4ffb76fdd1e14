import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isNonEmptyString, isRecord, isAwsManagedKeyRef } from "../../../lib/values";

const DYNAMODB_TABLE = "aws:dynamodb/table:Table";

// The AWS managed key (alias/aws/dynamodb and its ARN form): its key policy cannot be edited, so
// no grant can be scoped or revoked.

/**
 * DynamoDB tables must be encrypted with a customer-managed KMS key: `serverSideEncryption` with
 * `enabled: true` and a `kmsKeyArn`. Without the block the table uses an AWS owned key, and with
 * `enabled: true` but no key the AWS managed `alias/aws/dynamodb`; both encrypt, but no key
 * policy the platform controls decides who decrypts.
 *
 * No control in the shared control set covers DynamoDB, so `controls` is empty and the severity is
 * the pack's judgement, as for SQS queues under the same key.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html
 */
export const acmeDynamodbTableEnforceCmkEncryption: AcmeResourcePolicy = {
  name: "acme-dynamodb-table-enforce-cmk-encryption",
  description: "Requires DynamoDB tables to be encrypted with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: [],
  controlGap:
    "The shared control set has no DynamoDB control; issue 12 requires the idempotency table to be encrypted with the platform's data key.",
  resourceType: DYNAMODB_TABLE,
  validateResource: validateResourceType(DYNAMODB_TABLE, (args, reportViolation) => {
    const fix =
      "set serverSideEncryption to { enabled: true, kmsKeyArn: <customer-managed key ARN> }.";
    const sse: unknown = args.props.serverSideEncryption;
    if (!isRecord(sse)) {
      reportViolation(
        `serverSideEncryption is ${describe(sse)}, so the table is encrypted with an AWS owned key; ${fix}`,
      );
      return;
    }
    if (sse.enabled !== true) {
      reportViolation(
        `serverSideEncryption.enabled is ${describe(sse.enabled)}, so the table is encrypted with ` +
          `an AWS owned key; ${fix}`,
      );
      return;
    }
    const key: unknown = sse.kmsKeyArn;
    if (!isNonEmptyString(key)) {
      reportViolation(
        `serverSideEncryption.kmsKeyArn is ${describe(key)}, so the table is encrypted with the ` +
          `AWS managed key alias/aws/dynamodb; ${fix}`,
      );
    } else if (isAwsManagedKeyRef(key)) {
      reportViolation(`serverSideEncryption.kmsKeyArn is "${key}", an AWS managed key; ${fix}`);
    }
  }),
};
