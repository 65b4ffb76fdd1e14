import { parseStatements, servicePrincipals } from "../../../lib/keyPolicy";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";
import { KMS_KEY } from "../../../lib/resourceTypes";
import { isAwsManagedKeyRef, isNonEmptyString, isRecord, stringList } from "../../../lib/values";

const SNS_TOPIC = "aws:sns/topic:Topic";
const CLOUDWATCH_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const ALARM_ACTIONS = ["alarmActions", "okActions", "insufficientDataActions"];
const NEEDED = ["kms:decrypt", "kms:generatedatakey*"];

/** True when `pattern` (an IAM action, lower-case) covers `action`. */
function covers(pattern: string, action: string): boolean {
  return pattern === "*" || pattern === "kms:*" || pattern === action;
}

/** True when the key policy lets CloudWatch use the key for the topic's messages. */
function grantsCloudWatch(policy: unknown): boolean {
  const statements = parseStatements(policy) ?? [];
  return NEEDED.every((action) =>
    statements.some(
      (s) =>
        s.Effect === "Allow" &&
        servicePrincipals(s).includes("cloudwatch.amazonaws.com") &&
        stringList(s.Action).some((a) => covers(a.toLowerCase(), action)),
    ),
  );
}

/**
 * An SNS topic a CloudWatch alarm of the stack notifies (in `alarmActions`, `okActions` or
 * `insufficientDataActions`) must be encrypted with a customer-managed key of the stack whose
 * policy lets `cloudwatch.amazonaws.com` use it (`kms:Decrypt` and `kms:GenerateDataKey*`):
 * otherwise the alarm fires and no notification is published, silently. The AWS managed
 * `alias/aws/sns` key cannot grant that. Values not known yet leave the check undecided.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export const acmeSnsTopicEnforceAlarmKeyAccess: AcmeStackPolicy = {
  name: "acme-sns-topic-enforce-alarm-key-access",
  description:
    "Requires SNS topics that CloudWatch alarms notify to use a customer-managed key that grants CloudWatch its use.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["SNS-CMK-ALARMS"],
  resourceType: SNS_TOPIC,
  validateStack: validateStackResourcesType(SNS_TOPIC, (topics, args, reportViolation) => {
    const alarmTargets = new Set(
      args.resources
        .filter((r) => r.type === CLOUDWATCH_ALARM)
        .flatMap((alarm) => ALARM_ACTIONS.flatMap((k) => stringList(alarm.props[k]))),
    );
    const keys = args.resources.filter((r) => r.type === KMS_KEY);
    for (const topic of topics) {
      if (!alarmTargets.has(topic.props.arn as string)) {
        continue;
      }
      const keyRef: unknown = topic.props.kmsMasterKeyId;
      if (!isNonEmptyString(keyRef) || isAwsManagedKeyRef(keyRef)) {
        reportViolation(
          `SNS topic ${topic.name} receives CloudWatch alarm notifications but its ` +
            "kmsMasterKeyId is not a customer-managed key; use a key of the stack whose policy " +
            "grants cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*.",
          topic.urn,
        );
        continue;
      }
      const key = keys.find((k) => [k.props.arn, k.props.keyId].includes(keyRef));
      if (!key) {
        reportViolation(
          `SNS topic ${topic.name} is encrypted with ${keyRef}, not a key of this stack, so its ` +
            "policy cannot be checked; use a key of the stack.",
          topic.urn,
        );
      } else if (!isRecord(key.props) || !grantsCloudWatch(key.props.policy)) {
        reportViolation(
          `SNS topic ${topic.name}: the policy of key ${key.name} does not let ` +
            "cloudwatch.amazonaws.com use it, so alarm notifications are dropped; allow it " +
            "kms:Decrypt and kms:GenerateDataKey* under aws:SourceAccount.",
          topic.urn,
        );
      }
    }
  }),
};
