/**
 * Reading IAM JSON policy documents (KMS key policies, SQS and S3 resource policies) well enough to
 * spot grants to everyone, wildcard grants to AWS services and TLS-only denials.
 */
import { isRecord, isUnset, stringList } from "./values";

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
const CONSTRAINING_CONDITION_KEYS = [
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

/**
 * True when `policy` has a statement denying, to everyone without TLS, one of `actions` (compared
 * case-insensitively) on every ARN `arns()` returns. The ARNs are read last and only if needed,
 * since they may be unknown.
 */
export function deniesEveryoneWithoutTls(
  policy: unknown,
  actions: readonly string[],
  arns: () => string[],
): boolean {
  const statements = (parseStatements(policy) ?? []) as ResourcePolicyStatement[];
  const wanted = actions.map((a) => a.toLowerCase());
  return statements.some(
    (statement) =>
      deniesWithoutTls(statement) &&
      hasWildcardPrincipal(statement) &&
      stringList(statement.Action).some((a) => wanted.includes(a.toLowerCase())) &&
      arns().every((arn) =>
        stringList(statement.Resource).some((r) => resourcePattern(r).test(arn)),
      ),
  );
}

/**
 * The statements of a resource's policy for a rule that inspects them: none when the policy is
 * unset (AWS then applies its default policy), and `undefined` after reporting a violation when
 * the value is not a JSON policy document (`what` says what could not be checked).
 */
export function statementsToCheck(
  policy: unknown,
  what: string,
  reportViolation: (message: string) => void,
): PolicyStatement[] | undefined {
  if (isUnset(policy)) {
    return [];
  }
  const statements = parseStatements(policy);
  if (statements === undefined) {
    reportViolation(
      `policy is not a JSON policy document, so ${what}; pass the document as a JSON string.`,
    );
  }
  return statements;
}

/** What a TLS-only rule checks: the kind of resource and the policy resource that attaches to it. */
export interface TlsOnlyTarget {
  /** "SQS queue", "S3 bucket". */
  kind: string;
  /** The attaching policy's type name, "QueuePolicy". */
  policyKind: string;
  /** How to attach one, "an aws.sqs.QueuePolicy". */
  attach: string;
  /** The statement to add. */
  fix: string;
  /** Whether a policy document denies the resource's actions without TLS. */
  enforcesTls: (policy: unknown) => boolean;
}

/**
 * Reports a resource whose attached policies (or, with none attached, its own inline `policy`)
 * do not deny requests without TLS. The inline policy is read only when nothing is attached: it
 * is a computed output, so often unknown.
 */
export function checkTlsOnly(
  resource: { name: string; urn: string; props: Record<string, unknown> },
  attached: Array<{ name: string; props: Record<string, unknown> }>,
  target: TlsOnlyTarget,
  reportViolation: (message: string, urn?: string) => void,
): void {
  const label = `${target.kind} ${resource.name}`;
  for (const policy of attached) {
    if (!target.enforcesTls(policy.props.policy)) {
      reportViolation(
        `${label}: ${target.policyKind} ${policy.name} does not deny requests without TLS; add ${target.fix}`,
        resource.urn,
      );
    }
  }
  if (attached.length > 0) {
    return;
  }
  const inline: unknown = resource.props.policy;
  if (isUnset(inline) || inline === "") {
    reportViolation(
      `${label} has no ${target.kind.split(" ").pop()} policy; attach ${target.attach} with ${target.fix}`,
      resource.urn,
    );
  } else if (!target.enforcesTls(inline)) {
    reportViolation(
      `${label} has a policy that does not deny requests without TLS; add ${target.fix}`,
      resource.urn,
    );
  }
}

/**
 * Reports each statement of a resource policy that allows everyone: `Allow` with `NotPrincipal`
 * (every principal not listed) or with a `"*"` principal and no condition that pins the caller to
 * accounts, organizations or services ({@link isConstrained}). KMS.5, SQS.3, SNS.4, S3.2 and
 * CKV_AWS_32 all ask for none. Returns the statements as {@link statementsToCheck} does, so a
 * policy that is not a JSON document is reported once and gives `undefined`.
 */
export function reportPublicAllows(
  policy: unknown,
  reportViolation: (message: string) => void,
): PolicyStatement[] | undefined {
  const statements = statementsToCheck(
    policy,
    "public access cannot be ruled out",
    reportViolation,
  );
  statements?.forEach((statement, index) => {
    if (statement.Effect !== "Allow") {
      return;
    }
    const label = statementLabel(statement, index);
    if (statement.NotPrincipal !== undefined) {
      reportViolation(
        `${label} combines Allow with NotPrincipal, which grants access to every principal ` +
          "not listed; name the allowed principals in Principal instead.",
      );
    } else if (hasWildcardPrincipal(statement) && !isConstrained(statement)) {
      reportViolation(
        `${label} allows Principal "*" without an account, organization or source condition; ` +
          "name the principals or add such a condition.",
      );
    }
  });
  return statements;
}
