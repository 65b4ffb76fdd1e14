import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";

const MSK_SERVERLESS_CLUSTER = "aws:msk/serverlessCluster:ServerlessCluster";

/**
 * MSK Serverless clusters are not allowed: they have no input for a customer-managed key, so
 * their data is always encrypted with a key the platform does not control, which the pack's
 * CMK requirement for Kafka data does not accept.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/msk/latest/developerguide/serverless.html
 */
export const acmeMskServerlessclusterDisallowServerlessCluster: AcmeResourcePolicy = {
  name: "acme-msk-serverlesscluster-disallow-serverless-cluster",
  description:
    "Prohibits MSK Serverless clusters, which cannot encrypt data with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["MSK-SERVERLESS-IAM"],
  resourceType: MSK_SERVERLESS_CLUSTER,
  validateResource: validateResourceType(MSK_SERVERLESS_CLUSTER, (_args, reportViolation) => {
    reportViolation(
      "MSK Serverless cannot encrypt data with a customer-managed KMS key; use a provisioned " +
        "cluster (KafkaCluster) encrypted with the platform's data key.",
    );
  }),
};
