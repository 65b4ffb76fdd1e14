import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { CLOUDWATCH_LOG_GROUP } from "../../../lib/resourceTypes";
import { describe, isUnset } from "../../../lib/values";

/** The config of {@link acmeCloudwatchLoggroupConfigureRetention}. */
interface RetentionConfig {
  minimumRetentionDays: number;
}

/**
 * CloudWatch log groups must keep events at least `minimumRetentionDays` (365 by default, the
 * control's year). Unset or 0 means never expire, which passes. Stacks that keep logs for less
 * lower the minimum in their pack config and record a waiver of CloudWatch.16 in
 * `policies/waivers.ts` (dev and staging).
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html#cloudwatch-16
 */
export const acmeCloudwatchLoggroupConfigureRetention: AcmeResourcePolicy = {
  name: "acme-cloudwatch-loggroup-configure-retention",
  description:
    "Requires CloudWatch log groups to keep events for at least the configured number of days.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["CloudWatch.16"],
  resourceType: CLOUDWATCH_LOG_GROUP,
  configSchema: {
    properties: {
      minimumRetentionDays: {
        type: "integer",
        minimum: 1,
        default: 365,
        description: "The fewest days a log group may keep its events.",
      },
    },
  },
  validateResource: validateResourceType(CLOUDWATCH_LOG_GROUP, (args, reportViolation) => {
    const { minimumRetentionDays } = args.getConfig<RetentionConfig>();
    const days: unknown = args.props.retentionInDays;
    if (isUnset(days) || days === 0) {
      return;
    }
    if (typeof days !== "number" || days < minimumRetentionDays) {
      reportViolation(
        `retentionInDays is ${describe(days)}; keep events at least ${minimumRetentionDays} days.`,
      );
    }
  }),
};
