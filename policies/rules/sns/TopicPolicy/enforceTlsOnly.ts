import type { PolicyResource } from "@pulumi/policy";
import { checkTlsOnly, deniesEveryoneWithoutTls } from "../../../lib/keyPolicy";
import type { AcmeStackPolicy } from "../../../lib/policy";

const SNS_TOPIC = "aws:sns/topic:Topic";
const SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";

const FIX =
  'a statement that denies Principal "*" sns:Publish (or "sns:*") on the topic under ' +
  '{"Bool": {"aws:SecureTransport": "false"}}.';

/**
 * Every SNS topic must have a policy that denies publishing without TLS: SNS also accepts
 * requests on plain HTTP endpoints, and only the topic policy can refuse them. The policy can
 * come from an aws.sns.TopicPolicy (matched by topic ARN) or from the topic's own `policy`, so
 * the check runs on the whole stack; a topic whose ARN is not known yet is left undecided.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit
 */
export const acmeSnsTopicpolicyEnforceTlsOnly: AcmeStackPolicy = {
  name: "acme-sns-topicpolicy-enforce-tls-only",
  description: "Requires every SNS topic to have a policy that denies publishing without TLS.",
  enforcementLevel: "mandatory",
  severity: "low",
  controls: ["SNS-TLS-ONLY"],
  resourceType: SNS_TOPIC_POLICY,
  // Not tagged with one type: it must run when the stack has topics but no topic policy.
  validateStack: (args, reportViolation) => {
    const topics = args.resources.filter((r) => r.type === SNS_TOPIC);
    const topicPolicies = args.resources.filter((r) => r.type === SNS_TOPIC_POLICY);
    for (const topic of topics) {
      const attached = topicPolicies.filter((p: PolicyResource) => p.props.arn === topic.props.arn);
      checkTlsOnly(
        topic,
        attached,
        {
          kind: "SNS topic",
          policyKind: "TopicPolicy",
          attach: "an aws.sns.TopicPolicy",
          fix: FIX,
          enforcesTls: (policy) =>
            deniesEveryoneWithoutTls(policy, ["*", "sns:*", "sns:Publish"], () => [
              String(topic.props.arn),
            ]),
        },
        reportViolation,
      );
    }
  },
};
