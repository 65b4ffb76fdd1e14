/**
 * Reading IAM JSON policy documents (KMS key policies, SQS and S3 resource policies) well enough to
 * spot grants to everyone, wildcard grants to AWS services and TLS-only denials.
 */
import { isRecord, stringList } from "./values";

/** One statement of a policy document; fields stay untyped until checked. */
export interface PolicyStatement {
  Sid?: unknown;
  Effect?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Condition?: unknown;
}

/** A key policy's statements, or `undefined` when the text is not a JSON policy document. */
export function parseStatements(policy: unknown): PolicyStatement[] | undefined {
  let doc: unknown = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(doc)) {
    return undefined;
  }
  const statements = doc.Statement ?? [];
  const list = Array.isArray(statements) ? statements : [statements];
  return list.every(isRecord) ? (list as PolicyStatement[]) : undefined;
}

/** How a statement is named in messages: its Sid, else its position. */
export function statementLabel(statement: PolicyStatement, index: number): string {
  return typeof statement.Sid === "string" && statement.Sid !== ""
    ? `statement "${statement.Sid}"`
    : `statement ${index}`;
}

/** True when the statement's `Principal` is `"*"` or lists `"*"` under `AWS`. */
export function hasWildcardPrincipal(statement: PolicyStatement): boolean {
  const principal = statement.Principal;
  if (principal === "*") {
    return true;
  }
  return isRecord(principal) && stringList(principal.AWS).includes("*");
}

/** The service principals (`logs.amazonaws.com`, ...) a statement names. */
export function servicePrincipals(statement: PolicyStatement): string[] {
  return isRecord(statement.Principal) ? stringList(statement.Principal.Service) : [];
}

/**
 * Condition keys that tie a `"*"` principal to the caller's account, organization or the AWS
 * service acting for it. KMS.5 names the first three; the others identify accounts the same way.
 */
export const CONSTRAINING_CONDITION_KEYS = [
  "kms:CallerAccount",
  "kms:ViaService",
  "aws:PrincipalOrgID",
  "aws:PrincipalAccount",
  "aws:PrincipalArn",
  "aws:SourceAccount",
  "aws:SourceArn",
  "aws:SourceOrgID",
];

// Only positive matches narrow the principal: a Not* operator or an IfExists suffix still lets
// requests without the key (or from every other account) through.
const NARROWING_OPERATORS = new Set([
  "StringEquals",
  "StringEqualsIgnoreCase",
  "StringLike",
  "ArnEquals",
  "ArnLike",
]);

/** True when a condition pins the statement to specific accounts, organizations or services. */
export function isConstrained(statement: PolicyStatement): boolean {
  if (!isRecord(statement.Condition)) {
    return false;
  }
  const keys = new Set(CONSTRAINING_CONDITION_KEYS.map((k) => k.toLowerCase()));
  return Object.entries(statement.Condition).some(
    ([operator, block]) =>
      NARROWING_OPERATORS.has(operator) &&
      isRecord(block) &&
      Object.entries(block).some(([key, value]) => {
        const values = stringList(value);
        return keys.has(key.toLowerCase()) && values.length > 0 && values.every((v) => v !== "*");
      }),
  );
}

/** `*` and `?` wildcards of an IAM Resource as a regular expression. */
export function resourcePattern(resource: string): RegExp {
  const escaped = resource.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

/** True for a Deny under `aws:SecureTransport` false (`Bool` or `BoolIfExists`). */
export function deniesWithoutTls(statement: PolicyStatement): boolean {
  const condition = statement.Condition;
  if (statement.Effect !== "Deny" || !isRecord(condition)) {
    return false;
  }
  // BoolIfExists also denies requests that carry no aws:SecureTransport key at all.
  return ["Bool", "BoolIfExists"].some((operator) => {
    const block = condition[operator];
    return (
      isRecord(block) &&
      Object.entries(block).some(
        ([key, value]) =>
          key.toLowerCase() === "aws:securetransport" &&
          (value === false || stringList(value).some((v) => v.toLowerCase() === "false")),
      )
    );
  });
}

/** A statement of a resource policy, which also names the resources it covers. */
export interface ResourcePolicyStatement extends PolicyStatement {
  Resource?: unknown;
}
