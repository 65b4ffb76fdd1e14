import { reportPublicAllows, statementLabel } from "../../../lib/keyPolicy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { stringList } from "../../../lib/values";

const SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";

/**
 * A queue policy must not allow everyone (an `Allow` with Principal `"*"` and no account,
 * organization or source condition) and must not allow every action (`sqs:*` or `*`), which would
 * hand out queue deletion and policy changes along with sending.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/sqs-controls.html#sqs-3
 */
export const acmeSqsQueuepolicyDisallowPublicAccess: AcmeResourcePolicy = {
  name: "acme-sqs-queuepolicy-disallow-public-access",
  description:
    "Prohibits SQS queue policy statements that allow any principal without a condition or allow every action.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["SQS.3"],
  resourceType: SQS_QUEUE_POLICY,
  validateResource: validateResourceType(SQS_QUEUE_POLICY, (args, reportViolation) => {
    const statements = reportPublicAllows(args.props.policy, reportViolation) ?? [];
    statements.forEach((statement, i) => {
      const actions = stringList(statement.Action).map((a) => a.toLowerCase());
      if (statement.Effect === "Allow" && actions.some((a) => a === "*" || a === "sqs:*")) {
        reportViolation(
          `${statementLabel(statement, i)} allows every SQS action; list the actions needed ` +
            '(for example "sqs:SendMessage").',
        );
      }
    });
  }),
};
