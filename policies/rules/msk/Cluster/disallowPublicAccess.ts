import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isRecord, isUnset } from "../../../lib/values";

const MSK_CLUSTER = "aws:msk/cluster:Cluster";

/**
 * MSK brokers must not be reachable from the internet:
 * `brokerNodeGroupInfo.connectivityInfo.publicAccess.type` unset or `DISABLED`
 * (`SERVICE_PROVIDED_EIPS` gives each broker a public address).
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/msk-controls.html#msk-4
 */
export const acmeMskClusterDisallowPublicAccess: AcmeResourcePolicy = {
  name: "acme-msk-cluster-disallow-public-access",
  description: "Prohibits MSK clusters whose brokers have public access.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["MSK.4"],
  resourceType: MSK_CLUSTER,
  validateResource: validateResourceType(MSK_CLUSTER, (args, reportViolation) => {
    const info: unknown = args.props.brokerNodeGroupInfo;
    const connectivity: unknown = isRecord(info) ? info.connectivityInfo : undefined;
    const access: unknown = isRecord(connectivity) ? connectivity.publicAccess : undefined;
    const type: unknown = isRecord(access) ? access.type : undefined;
    if (!isUnset(type) && type !== "DISABLED") {
      reportViolation(
        `brokerNodeGroupInfo.connectivityInfo.publicAccess.type is ${describe(type)}; set it to ` +
          '"DISABLED" so brokers have no public addresses.',
      );
    }
  }),
};
