import { parseStatements, statementLabel } from "../../../lib/keyPolicy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { isRecord, stringList } from "../../../lib/values";

const S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

/** The actions S3.6 keeps from other accounts, lower-cased. */
const MANAGEMENT_ACTIONS = [
  "s3:deletebucketpolicy",
  "s3:putbucketacl",
  "s3:putbucketpolicy",
  "s3:putencryptionconfiguration",
  "s3:putobjectacl",
];

/** True when the IAM action pattern `pattern` covers `action` (both lower-case). */
function covers(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  return re.test(action);
}

/**
 * A bucket policy must not let AWS principals manage the bucket's policy, ACLs or encryption
 * (S3.6's five actions, directly or through a wildcard such as `s3:*` or `s3:Put*`). The
 * platform grants such actions through the account's IAM, never through a bucket policy, so any
 * AWS principal in such a statement is reported, not only another account's; service principals
 * (log delivery) are not AWS principals and pass.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-6
 */
export const acmeS3BucketpolicyDisallowExternalManagement: AcmeResourcePolicy = {
  name: "acme-s3-bucketpolicy-disallow-external-management",
  description:
    "Prohibits S3 bucket policies that let AWS principals change the bucket's policy, ACLs or encryption.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["S3.6"],
  resourceType: S3_BUCKET_POLICY,
  validateResource: validateResourceType(S3_BUCKET_POLICY, (args, reportViolation) => {
    (parseStatements(args.props.policy) ?? []).forEach((statement, i) => {
      const principal = statement.Principal;
      const awsPrincipals =
        principal === "*" ? ["*"] : isRecord(principal) ? stringList(principal.AWS) : [];
      if (statement.Effect !== "Allow" || awsPrincipals.length === 0) {
        return;
      }
      const actions = stringList(statement.Action).map((a) => a.toLowerCase());
      const granted = MANAGEMENT_ACTIONS.filter((m) => actions.some((a) => covers(a, m)));
      if (granted.length > 0) {
        reportViolation(
          `${statementLabel(statement, i)} allows ${awsPrincipals.join(", ")} ${granted.join(", ")}; ` +
            "grant bucket management through IAM policies of the account, not the bucket policy.",
        );
      }
    });
  }),
};
