import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe } from "../../../lib/values";

const MSK_CLUSTER = "aws:msk/cluster:Cluster";
const TOPIC_LEVELS = ["PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION"];

/**
 * MSK clusters must publish topic-level CloudWatch metrics (`enhancedMonitoring`
 * `PER_TOPIC_PER_BROKER` or `PER_TOPIC_PER_PARTITION`): the consumer-lag and per-topic alerts
 * read them. Advisory: it is monitoring hygiene.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/msk-controls.html#msk-2
 */
export const acmeMskClusterEnableEnhancedMonitoring: AcmeResourcePolicy = {
  name: "acme-msk-cluster-enable-enhanced-monitoring",
  description: "Requires MSK clusters to publish topic-level enhanced monitoring metrics.",
  enforcementLevel: "advisory",
  severity: "low",
  controls: ["MSK.2"],
  resourceType: MSK_CLUSTER,
  validateResource: validateResourceType(MSK_CLUSTER, (args, reportViolation) => {
    const level: unknown = args.props.enhancedMonitoring;
    if (!TOPIC_LEVELS.includes(level as string)) {
      reportViolation(
        `enhancedMonitoring is ${describe(level)}; set it to "PER_TOPIC_PER_BROKER" or ` +
          '"PER_TOPIC_PER_PARTITION".',
      );
    }
  }),
};
