import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { isRecord } from "../../../lib/values";

const MSK_CLUSTER = "aws:msk/cluster:Cluster";
const DESTINATIONS = ["cloudwatchLogs", "firehose", "s3"];

/**
 * MSK clusters must deliver broker logs to at least one destination (CloudWatch Logs, Firehose
 * or S3); without them there is no record of authentication failures, partition leadership
 * changes or broker errors.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/msk/latest/developerguide/msk-logging.html
 */
export const acmeMskClusterEnableBrokerLogging: AcmeResourcePolicy = {
  name: "acme-msk-cluster-enable-broker-logging",
  description: "Requires MSK clusters to deliver broker logs to CloudWatch Logs, Firehose or S3.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["CKV_AWS_80"],
  resourceType: MSK_CLUSTER,
  validateResource: validateResourceType(MSK_CLUSTER, (args, reportViolation) => {
    const logging: unknown = args.props.loggingInfo;
    const brokerLogs: unknown = isRecord(logging) ? logging.brokerLogs : undefined;
    if (!isRecord(brokerLogs)) {
      reportViolation(
        "loggingInfo.brokerLogs is not set, so broker logs go nowhere; enable " +
          "loggingInfo.brokerLogs.cloudwatchLogs with a KMS-encrypted log group, or firehose or s3.",
      );
      return;
    }
    const enabled = DESTINATIONS.some((d) => {
      const destination: unknown = brokerLogs[d];
      return isRecord(destination) && destination.enabled === true;
    });
    if (!enabled) {
      reportViolation(
        `loggingInfo.brokerLogs enables none of ${DESTINATIONS.join(", ")}; enable cloudwatchLogs ` +
          "with a KMS-encrypted log group, or firehose or s3.",
      );
    }
  }),
};
