import type { PolicyResource } from "@pulumi/policy";
import { checkTlsOnly, deniesEveryoneWithoutTls } from "../../../lib/keyPolicy";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";

const SQS_QUEUE = "aws:sqs/queue:Queue";
const SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";

const FIX =
  'a statement that denies Principal "*" every SQS action ("sqs:*") on the queue under ' +
  '{"Bool": {"aws:SecureTransport": "false"}}.';

/**
 * Every SQS queue must have a policy that denies requests not sent over TLS. SQS also answers on
 * plain HTTP endpoints, and only a queue policy can refuse those requests. The policy can come
 * from an aws.sqs.QueuePolicy (matched by queue URL) or from the queue's own `policy`, so the
 * check runs on the whole stack; a queue whose URL is not known yet cannot be matched and is left
 * undecided.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html
 */
export const acmeSqsQueueEnforceTlsOnly: AcmeStackPolicy = {
  name: "acme-sqs-queue-enforce-tls-only",
  description: "Requires every SQS queue to have a policy that denies requests made without TLS.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["SQS-TLS-ONLY"],
  resourceType: SQS_QUEUE,
  validateStack: validateStackResourcesType(SQS_QUEUE, (queues, args, reportViolation) => {
    const queuePolicies = args.resources.filter((r) => r.type === SQS_QUEUE_POLICY);
    for (const queue of queues) {
      const attached = queuePolicies.filter(
        (p: PolicyResource) => p.props.queueUrl === queue.props.url,
      );
      checkTlsOnly(
        queue,
        attached,
        {
          kind: "SQS queue",
          policyKind: "QueuePolicy",
          attach: "an aws.sqs.QueuePolicy",
          fix: FIX,
          enforcesTls: (policy) =>
            deniesEveryoneWithoutTls(policy, ["*", "sqs:*"], () => [String(queue.props.arn)]),
        },
        reportViolation,
      );
    }
  }),
};
