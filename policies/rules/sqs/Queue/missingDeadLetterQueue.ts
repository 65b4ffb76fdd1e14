import type { PolicyResource } from "@pulumi/policy";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";
import { isNonEmptyString, isRecord } from "../../../lib/values";

const SQS_QUEUE = "aws:sqs/queue:Queue";
const SQS_REDRIVE_POLICY = "aws:sqs/redrivePolicy:RedrivePolicy";

/** The `deadLetterTargetArn` of a redrive policy (JSON text or object), if it names one. */
function deadLetterTarget(redrivePolicy: unknown): string | undefined {
  let doc: unknown = redrivePolicy;
  if (typeof redrivePolicy === "string") {
    try {
      doc = JSON.parse(redrivePolicy);
    } catch {
      return undefined;
    }
  }
  const target = isRecord(doc) ? doc.deadLetterTargetArn : undefined;
  return isNonEmptyString(target) ? target : undefined;
}

/**
 * Every SQS queue must have a dead-letter queue, so that a message its consumers keep failing on
 * is set aside after `maxReceiveCount` receives instead of being retried until it expires. The
 * redrive policy may be the queue's own `redrivePolicy` or an aws.sqs.RedrivePolicy (matched by
 * queue URL). A queue that is itself the dead-letter queue of a queue in the stack needs none.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 */
export const acmeSqsQueueMissingDeadLetterQueue: AcmeStackPolicy = {
  name: "acme-sqs-queue-missing-dead-letter-queue",
  description:
    "Requires every SQS queue that is not itself a dead-letter queue to have a dead-letter queue.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["CT.SQS.PR.1"],
  resourceType: SQS_QUEUE,
  validateStack: validateStackResourcesType(SQS_QUEUE, (queues, args, reportViolation) => {
    const redrivePolicies = args.resources.filter((r) => r.type === SQS_REDRIVE_POLICY);
    // Every queue's own redrive target first: most queues are decided without reading any
    // other value, which may still be unknown in a preview.
    const without = queues.filter((q) => deadLetterTarget(q.props.redrivePolicy) === undefined);
    if (without.length === 0) {
      return;
    }
    const targets = new Set(
      [
        ...queues.map((q) => q.props.redrivePolicy),
        ...redrivePolicies.map((r) => r.props.redrivePolicy),
      ]
        .map(deadLetterTarget)
        .filter((t): t is string => t !== undefined),
    );
    const hasRedrivePolicy = (queue: PolicyResource) =>
      redrivePolicies.some(
        (r) => r.props.queueUrl === queue.props.url && deadLetterTarget(r.props.redrivePolicy),
      );
    for (const queue of without) {
      if (targets.has(String(queue.props.arn)) || hasRedrivePolicy(queue)) {
        continue;
      }
      reportViolation(
        `SQS queue ${queue.name} has no dead-letter queue and is not one; set its redrivePolicy ` +
          '(inline or with an aws.sqs.RedrivePolicy) to {"deadLetterTargetArn": <DLQ ARN>, ' +
          '"maxReceiveCount": <receives>}.',
        queue.urn,
      );
    }
  }),
};
