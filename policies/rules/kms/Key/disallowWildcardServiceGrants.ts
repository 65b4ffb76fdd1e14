import { servicePrincipals, statementLabel, statementsToCheck } from "../../../lib/keyPolicy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { KMS_KEY } from "../../../lib/resourceTypes";
import { stringList } from "../../../lib/values";

const WILDCARD_ACTIONS = new Set(["*", "kms:*"]);

/**
 * AWS service principals must get only the KMS actions they use (encrypt, decrypt, generate data
 * keys), never `kms:*`, which would also let the service disable, delete or re-grant the key.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-services.html
 */
export const acmeKmsKeyDisallowWildcardServiceGrants: AcmeResourcePolicy = {
  name: "acme-kms-key-disallow-wildcard-service-grants",
  description:
    "Prohibits KMS key policies that allow every KMS action to an AWS service principal.",
  enforcementLevel: "mandatory",
  severity: "low",
  controls: ["CKV2_AWS_64"],
  resourceType: KMS_KEY,
  validateResource: validateResourceType(KMS_KEY, (args, reportViolation) => {
    const statements = statementsToCheck(
      args.props.policy,
      "service grants cannot be checked",
      reportViolation,
    );
    statements?.forEach((statement, index) => {
      const services = servicePrincipals(statement);
      if (statement.Effect !== "Allow" || services.length === 0) {
        return;
      }
      const broad =
        statement.NotAction !== undefined
          ? "every action outside NotAction"
          : stringList(statement.Action).find((a) => WILDCARD_ACTIONS.has(a.toLowerCase()));
      if (broad !== undefined) {
        reportViolation(
          `${statementLabel(statement, index)} allows ${broad} to ${services.join(", ")}; ` +
            "grant only the actions the service uses, such as kms:Decrypt and kms:GenerateDataKey*.",
        );
      }
    });
  }),
};
