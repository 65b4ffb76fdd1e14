import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isRecord, isUnset } from "../../../lib/values";

const MSK_CLUSTER = "aws:msk/cluster:Cluster";

/**
 * Clients must reach MSK brokers over TLS only. `TLS_PLAINTEXT` and `PLAINTEXT` open the
 * plaintext listener (port 9092) next to the TLS ones. An unset value passes: the API default is
 * `TLS`. Checkov CKV_AWS_81 passes any cluster with an encryptionInfo block, so it does not catch
 * this.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/msk/latest/developerguide/msk-encryption.html
 */
export const acmeMskClusterEnforceClientBrokerTls: AcmeResourcePolicy = {
  name: "acme-msk-cluster-enforce-client-broker-tls",
  description: "Requires MSK clusters to accept client connections over TLS only.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["MSK-CLIENT-BROKER-TLS"],
  resourceType: MSK_CLUSTER,
  validateResource: validateResourceType(MSK_CLUSTER, (args, reportViolation) => {
    const encryption: unknown = args.props.encryptionInfo;
    const inTransit: unknown = isRecord(encryption) ? encryption.encryptionInTransit : undefined;
    const clientBroker: unknown = isRecord(inTransit) ? inTransit.clientBroker : undefined;
    if (!isUnset(clientBroker) && clientBroker !== "TLS") {
      reportViolation(
        `encryptionInfo.encryptionInTransit.clientBroker is ${describe(clientBroker)}; set it to ` +
          '"TLS" so clients can only connect encrypted: TLS_PLAINTEXT and PLAINTEXT open the ' +
          "plaintext listener on port 9092.",
      );
    }
  }),
};
