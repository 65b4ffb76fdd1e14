import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isRecord, isUnset } from "../../../lib/values";

const MSK_CLUSTER = "aws:msk/cluster:Cluster";

/**
 * MSK clusters must authenticate clients with IAM and refuse unauthenticated ones. IAM access
 * control authorizes each client per topic and consumer group with ordinary IAM policies. A
 * cluster without clientAuthentication accepts any client that reaches it. MSK.6 accepts SCRAM
 * or mutual TLS as well; the pack requires IAM, the only one the platform grants.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/msk-controls.html#msk-6
 */
export const acmeMskClusterEnforceIamAuthentication: AcmeResourcePolicy = {
  name: "acme-msk-cluster-enforce-iam-authentication",
  description:
    "Requires MSK clusters to authenticate clients with IAM and to disable unauthenticated access.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["MSK.6"],
  resourceType: MSK_CLUSTER,
  validateResource: validateResourceType(MSK_CLUSTER, (args, reportViolation) => {
    const auth: unknown = args.props.clientAuthentication;
    const sasl: unknown = isRecord(auth) ? auth.sasl : undefined;
    const iam: unknown = isRecord(sasl) ? sasl.iam : undefined;
    if (iam !== true) {
      reportViolation(
        `clientAuthentication.sasl.iam is ${describe(iam)}` +
          `${isUnset(auth) ? " (AWS default without clientAuthentication: no authentication at all)" : ""}; ` +
          "set it to true so every client authenticates with IAM and is authorized per topic and group.",
      );
    }
    const unauthenticated: unknown = isRecord(auth) ? auth.unauthenticated : undefined;
    if (!isUnset(unauthenticated) && unauthenticated !== false) {
      reportViolation(
        `clientAuthentication.unauthenticated is ${describe(unauthenticated)}; set it to false so ` +
          "no client can connect without authenticating.",
      );
    }
  }),
};
