import { reportPublicAllows } from "../../../lib/keyPolicy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";

const SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";

/**
 * A topic policy must not allow everyone: no `Allow` statement with Principal `"*"` unless a
 * condition pins the caller to accounts, organizations or the AWS service acting for them
 * (CloudWatch alarms publish under `aws:SourceAccount`).
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/sns-controls.html#sns-4
 */
export const acmeSnsTopicpolicyDisallowPublicAccess: AcmeResourcePolicy = {
  name: "acme-sns-topicpolicy-disallow-public-access",
  description:
    "Prohibits SNS topic policy statements that allow any principal without a condition.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["SNS.4"],
  resourceType: SNS_TOPIC_POLICY,
  validateResource: validateResourceType(SNS_TOPIC_POLICY, (args, reportViolation) => {
    reportPublicAllows(args.props.policy, reportViolation);
  }),
};
