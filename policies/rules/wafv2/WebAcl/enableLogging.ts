import type { PolicyResource } from "@pulumi/policy";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";
import {
  CLOUDWATCH_LOG_GROUP,
  WAFV2_WEB_ACL,
  WAFV2_WEB_ACL_LOGGING_CONFIGURATION,
} from "../../../lib/resourceTypes";
import { isAwsManagedKeyRef, isNonEmptyString, stringList } from "../../../lib/values";

/** A CloudWatch Logs log group ARN, with or without the `:*` suffix; group 1 is the name. */
const LOG_GROUP_ARN = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(?::\*)?$/;

/** Why a logging destination fails, or undefined when it is an encrypted log group here. */
function destinationProblem(arn: string, logGroups: PolicyResource[]): string | undefined {
  const name = LOG_GROUP_ARN.exec(arn)?.[1];
  if (name === undefined) {
    return "is not a CloudWatch Logs log group";
  }
  const group = logGroups.find((g) => g.props.name === name);
  if (group === undefined) {
    return "is a log group this stack does not declare, so its encryption cannot be checked";
  }
  const key: unknown = group.props.kmsKeyId;
  if (!isNonEmptyString(key) || isAwsManagedKeyRef(key)) {
    return "is a log group not encrypted with a customer-managed KMS key";
  }
  return undefined;
}

/**
 * Every WAF web ACL must log the requests it inspects: an `aws.wafv2.WebAclLoggingConfiguration`
 * whose `resourceArn` is the ACL's ARN, delivering to CloudWatch Logs log groups that this stack
 * declares and encrypts with a customer-managed KMS key (the log records hold request headers).
 * Log groups are found by the name in the destination ARN. S3 and Firehose destinations are not
 * accepted, because the pack cannot see how they are encrypted.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/waf/latest/developerguide/logging.html
 */
export const acmeWafv2WebaclEnableLogging: AcmeStackPolicy = {
  name: "acme-wafv2-webacl-enable-logging",
  description:
    "Requires every WAF web ACL to log to a CloudWatch log group encrypted with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: [],
  controlGap:
    "The shared control set has no WAF logging control (Security Hub's WAF.11 is not in it); issue 13 requires the web ACL's logs, encrypted, as a platform requirement.",
  resourceType: WAFV2_WEB_ACL,
  validateStack: validateStackResourcesType(WAFV2_WEB_ACL, (acls, args, reportViolation) => {
    const configs = args.resources.filter((r) => r.type === WAFV2_WEB_ACL_LOGGING_CONFIGURATION);
    const logGroups = args.resources.filter((r) => r.type === CLOUDWATCH_LOG_GROUP);
    for (const acl of acls) {
      const arn: unknown = acl.props.arn;
      const mine = configs.filter((c) => c.props.resourceArn === arn);
      if (mine.length === 0) {
        reportViolation(
          `WAF web ACL ${acl.name} has no logging configuration; add an ` +
            "aws.wafv2.WebAclLoggingConfiguration whose resourceArn is the ACL's ARN and whose " +
            'logDestinationConfigs name a log group ("aws-waf-logs-" prefix) encrypted with a ' +
            "customer-managed KMS key.",
          acl.urn,
        );
        continue;
      }
      for (const config of mine) {
        const destinations = stringList(config.props.logDestinationConfigs);
        if (destinations.length === 0) {
          reportViolation(
            `WAF web ACL ${acl.name}: logging configuration ${config.name} has no destination; ` +
              "name a log group encrypted with a customer-managed KMS key.",
            acl.urn,
          );
        }
        for (const destination of destinations) {
          const problem = destinationProblem(destination, logGroups);
          if (problem !== undefined) {
            reportViolation(
              `WAF web ACL ${acl.name}: logging configuration ${config.name} delivers to ` +
                `${destination}, which ${problem}; deliver to a log group of this stack encrypted with a ` +
                "customer-managed KMS key.",
              acl.urn,
            );
          }
        }
      }
    }
  }),
};
