/**
 * The `principals` cross-check: every AWS principal a resource policy or trust policy names must
 * exist when AWS reads the policy. KMS, SQS, SNS, S3 and IAM reject (or silently rewrite) a
 * policy naming an IAM principal that does not exist yet (KMS: MalformedPolicyDocumentException),
 * so a principal is accepted only when it is created in this graph, is the account itself, or is
 * on the reviewed list of principals that always exist. Service principals (`Principal.Service`)
 * and `"*"` (whose conditions the policy pack judges) are not IAM principals and pass.
 */
import type { CheckedResource } from "./graph";
import type { CrossCheck, CrossCheckContext, CrossCheckResult } from "./crossResource";
import { revealSecrets } from "../stackExport";

/** The policy-bearing inputs the check reads, by resource type. */
export const POLICY_INPUTS: Record<string, { input: string; kind: string }> = {
  "aws:kms/key:Key": { input: "policy", kind: "key policy" },
  "aws:sqs/queue:Queue": { input: "policy", kind: "queue policy" },
  "aws:sqs/queuePolicy:QueuePolicy": { input: "policy", kind: "queue policy" },
  "aws:sns/topic:Topic": { input: "policy", kind: "topic policy" },
  "aws:sns/topicPolicy:TopicPolicy": { input: "policy", kind: "topic policy" },
  "aws:s3/bucketPolicy:BucketPolicy": { input: "policy", kind: "bucket policy" },
  "aws:iam/role:Role": { input: "assumeRolePolicy", kind: "trust policy" },
};

/**
 * Principals that exist in every account without the stack creating them, each with the reason.
 * Deliberately empty: service-linked roles are NOT here (they appear with the service's first
 * use; name them by an `aws:PrincipalArn` condition instead), nor are roles of other accounts.
 */
export const ALWAYS_EXISTING_PRINCIPALS: Array<{ pattern: RegExp; why: string }> = [];

type Dict = Record<string, unknown>;

function principalsOf(statement: Dict): string[] {
  const out: string[] = [];
  for (const key of ["Principal", "NotPrincipal"]) {
    const p = statement[key];
    if (p && typeof p === "object") {
      const aws = (p as Dict).AWS;
      out.push(...(Array.isArray(aws) ? aws.map(String) : aws === undefined ? [] : [String(aws)]));
    }
  }
  return out;
}

/** Runs the check. */
export function checkPrincipals(
  resources: CheckedResource[],
  context: CrossCheckContext,
): CrossCheckResult {
  const created = new Set(
    resources
      .filter((r) => r.type === "aws:iam/role:Role")
      .map((r) => (revealSecrets(r.outputs ?? {}) as Dict).arn)
      .filter((arn): arn is string => typeof arn === "string"),
  );
  const accountRoot = new RegExp(`^arn:[a-z-]+:iam::${context.accountId}:root$`);
  const errors: string[] = [];
  let checked = 0;
  for (const r of resources) {
    const spec = POLICY_INPUTS[r.type];
    const text = spec && revealSecrets(r.inputs[spec.input]);
    if (typeof text !== "string" || text === "") continue;
    let doc: Dict;
    try {
      doc = JSON.parse(text) as Dict;
    } catch {
      errors.push(`${r.urn}: its ${spec.kind} is not JSON`);
      continue;
    }
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    for (const statement of statements as Dict[]) {
      for (const principal of principalsOf(statement ?? {})) {
        checked++;
        if (principal === "*" || principal === context.accountId || accountRoot.test(principal))
          continue;
        if (created.has(principal)) continue;
        if (ALWAYS_EXISTING_PRINCIPALS.some((p) => p.pattern.test(principal))) continue;
        errors.push(
          `${r.urn}: its ${spec.kind} names ${principal}, which this stack does not create and which may not exist yet (AWS rejects a policy naming a missing principal); create it in the stack, name it by an aws:PrincipalArn condition on the account principal, or add it to ALWAYS_EXISTING_PRINCIPALS with the reason`,
        );
      }
    }
  }
  return { checked, errors };
}

/** The registered check. */
export const principalsCheck: CrossCheck = {
  name: "principals",
  unit: "principals",
  run: checkPrincipals,
};
