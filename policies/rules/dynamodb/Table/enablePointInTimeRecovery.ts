import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isRecord } from "../../../lib/values";

const DYNAMODB_TABLE = "aws:dynamodb/table:Table";

/**
 * DynamoDB tables must have point-in-time recovery enabled (`pointInTimeRecovery.enabled: true`),
 * so a bad write or a mistaken delete of items can be undone by restoring the table to any second
 * of the recovery period. It is off unless the block says otherwise.
 *
 * No control in the shared control set covers DynamoDB, so `controls` is empty and the severity is
 * the pack's judgement.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html
 */
export const acmeDynamodbTableEnablePointInTimeRecovery: AcmeResourcePolicy = {
  name: "acme-dynamodb-table-enable-point-in-time-recovery",
  description: "Requires DynamoDB tables to have point-in-time recovery enabled.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: [],
  controlGap:
    "The shared control set has no DynamoDB control; issue 12 requires point-in-time recovery on the idempotency table.",
  resourceType: DYNAMODB_TABLE,
  validateResource: validateResourceType(DYNAMODB_TABLE, (args, reportViolation) => {
    const pitr: unknown = args.props.pointInTimeRecovery;
    const enabled: unknown = isRecord(pitr) ? pitr.enabled : undefined;
    if (enabled !== true) {
      reportViolation(
        `pointInTimeRecovery.enabled is ${describe(enabled)}; set pointInTimeRecovery to ` +
          "{ enabled: true } so the table can be restored to any second of the recovery period.",
      );
    }
  }),
};
