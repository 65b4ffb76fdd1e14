import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isRecord, isUnset } from "../../../lib/values";

const MSK_CLUSTER = "aws:msk/cluster:Cluster";

/**
 * MSK brokers must encrypt the traffic between them (replication). An unset value passes: the API
 * default is `true`.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/msk-controls.html#msk-1
 */
export const acmeMskClusterEnableInClusterEncryption: AcmeResourcePolicy = {
  name: "acme-msk-cluster-enable-in-cluster-encryption",
  description: "Requires MSK clusters to encrypt the traffic between their brokers.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["MSK.1"],
  resourceType: MSK_CLUSTER,
  validateResource: validateResourceType(MSK_CLUSTER, (args, reportViolation) => {
    const encryption: unknown = args.props.encryptionInfo;
    const inTransit: unknown = isRecord(encryption) ? encryption.encryptionInTransit : undefined;
    const inCluster: unknown = isRecord(inTransit) ? inTransit.inCluster : undefined;
    if (!isUnset(inCluster) && inCluster !== true) {
      reportViolation(
        `encryptionInfo.encryptionInTransit.inCluster is ${describe(inCluster)}; set it to true ` +
          "so brokers replicate to each other over TLS.",
      );
    }
  }),
};
