/**
 * The CI identities, defined once: which environments CI serves, what its AWS roles are called,
 * which GitHub OIDC subject each role trusts, and in which format GitHub spells that subject.
 *
 * The bootstrap project (bootstrap/index.ts) creates the roles from these facts; the workflows
 * (.github/workflows/*) name the roles, and their tests import this module to prove the workflow
 * asks for the role the trust policy admits. Nothing here registers a resource or reads config.
 */

/** The environments CI previews and deploys; each is a stack of the main project and a GitHub environment. */
export const CI_ENVIRONMENTS = ["dev", "staging", "prod"] as const;
/** One of {@link CI_ENVIRONMENTS}. */
export type CiEnvironment = (typeof CI_ENVIRONMENTS)[number];

/** The kinds of CI role: `preview` (read-only plus Pulumi locks) and `deploy` (`pulumi up`). */
export const CI_ROLE_KINDS = ["preview", "deploy"] as const;
/** One of {@link CI_ROLE_KINDS}. */
export type CiRoleKind = (typeof CI_ROLE_KINDS)[number];

/**
 * The environments whose deploy runs on a GitHub-hosted runner with a bootstrap deploy role.
 * staging and prod are not here: their `pulumi up` runs on the in-VPC deployer
 * (components/cluster/deployer.ts), with the deployer's own role from the main project, and their
 * first (bootstrap) run is made by an administrator (docs/first-deployment.md). A standing role
 * able to create prod's IAM roles and assumable from GitHub would be a second, broader way into
 * prod next to the deployer; docs/bootstrap.md records the decision.
 */
export const CI_DEPLOY_ROLE_ENVIRONMENTS: readonly CiEnvironment[] = ["dev"];

/** True when CI has a bootstrap deploy role for `env` (see {@link CI_DEPLOY_ROLE_ENVIRONMENTS}). */
export function hasDeployRole(env: CiEnvironment): boolean {
  return CI_DEPLOY_ROLE_ENVIRONMENTS.includes(env);
}

/** The IAM role name of a CI role: `acme-platform-<env>-preview` or `acme-platform-<env>-deploy`. */
export function ciRoleName(env: CiEnvironment, kind: CiRoleKind): string {
  return `acme-platform-${env}-${kind}`;
}

/** The GitHub environment a deploy job of `env` runs in (required reviewers live there). */
export function githubEnvironmentName(env: CiEnvironment): string {
  return env;
}

/** The branch whose pushes deploy and whose scheduled runs check drift. */
export const MAIN_BRANCH = "main";

/** GitHub Actions' OIDC issuer host (the IAM OIDC provider's URL without `https://`). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** GitHub Actions' OIDC issuer URL, as the IAM OIDC provider is created with it. */
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/**
 * The `aud` claim aws-actions/configure-aws-credentials requests and the IAM OIDC provider's
 * client ID. https://github.com/aws-actions/configure-aws-credentials#oidc-audience
 */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/**
 * How GitHub spells the repository in the `sub` claim. Repositories created (or renamed) on or
 * after 15 July 2026 use immutable subjects, `repo:<owner>@<ownerId>/<repo>@<repoId>:...`; older
 * ones `repo:<owner>/<repo>:...` unless an administrator opts them in.
 * https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens/
 */
export const SUBJECT_FORMATS = ["legacy", "immutable"] as const;
/** One of {@link SUBJECT_FORMATS}. */
export type SubjectFormat = (typeof SUBJECT_FORMATS)[number];

/** A GitHub user or organisation name: alphanumerics and single hyphens, at most 39 characters. */
export const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** A GitHub repository name: letters, digits, '.', '-', '_', at most 100 characters, not `.`/`..`. */
export const GITHUB_REPOSITORY = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

/** The repository CI runs for, with the subject format its OIDC tokens use. */
export interface GithubRepository {
  /** The owner (user or organisation), e.g. `acme`. */
  owner: string;
  /** The repository name, e.g. `platform`. */
  name: string;
  /** How GitHub spells the repository in `sub` (see {@link SUBJECT_FORMATS}). */
  subjectFormat: SubjectFormat;
  /** The owner's numeric ID; required for `immutable`, refused for `legacy`. */
  ownerId?: number;
  /** The repository's numeric ID; required for `immutable`, refused for `legacy`. */
  repoId?: number;
}

/** The part of a job's OIDC subject after the repository (the event, branch or environment). */
export type OidcClaim =
  | { kind: "pull_request" }
  | { kind: "ref"; ref: string }
  | { kind: "environment"; environment: string };

/** Problems with a {@link GithubRepository}, each with the field it is about. */
export function validateGithubRepository(
  repo: GithubRepository,
): { field: keyof GithubRepository; reason: string }[] {
  const errors: { field: keyof GithubRepository; reason: string }[] = [];
  if (!GITHUB_OWNER.test(repo.owner)) {
    errors.push({
      field: "owner",
      reason: `"${repo.owner}" is not a GitHub user or organisation name (letters, digits and single hyphens, at most 39)`,
    });
  }
  if (!GITHUB_REPOSITORY.test(repo.name)) {
    errors.push({
      field: "name",
      reason: `"${repo.name}" is not a GitHub repository name (letters, digits, '.', '-', '_', at most 100)`,
    });
  }
  for (const field of ["ownerId", "repoId"] as const) {
    const id = repo[field];
    if (repo.subjectFormat === "immutable") {
      if (id === undefined || !Number.isSafeInteger(id) || id <= 0) {
        errors.push({
          field,
          reason: `subjectFormat "immutable" needs the numeric ${field} (a positive whole number; gh api repos/<owner>/<repo> --jq '.${field === "ownerId" ? "owner.id" : "id"}')`,
        });
      }
    } else if (id !== undefined) {
      errors.push({
        field,
        reason: `is set, but subjectFormat is "legacy", whose subjects carry no IDs: remove ${field}, or set subjectFormat: immutable`,
      });
    }
  }
  return errors;
}

/**
 * The `sub` claim GitHub puts in the OIDC token of a job of `repo` for `claim`, e.g.
 * `repo:acme/platform:environment:dev` or `repo:acme@123/platform@456:pull_request`.
 * Throws if `repo` is invalid (see {@link validateGithubRepository}).
 * https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims
 */
export function oidcSubject(repo: GithubRepository, claim: OidcClaim): string {
  const errors = validateGithubRepository(repo);
  if (errors.length > 0) {
    throw new Error(
      `invalid GitHub repository: ${errors.map((e) => `${e.field}: ${e.reason}`).join("; ")}`,
    );
  }
  const repository =
    repo.subjectFormat === "immutable"
      ? `${repo.owner}@${repo.ownerId}/${repo.name}@${repo.repoId}`
      : `${repo.owner}/${repo.name}`;
  const tail =
    claim.kind === "pull_request"
      ? "pull_request"
      : claim.kind === "ref"
        ? `ref:${claim.ref}`
        : `environment:${claim.environment}`;
  return `repo:${repository}:${tail}`;
}

/**
 * The exact subjects a CI role trusts: a preview role, pull requests and the scheduled drift
 * check on {@link MAIN_BRANCH}; a deploy role, jobs in the environment's GitHub environment only.
 */
export function ciRoleSubjects(
  repo: GithubRepository,
  env: CiEnvironment,
  kind: CiRoleKind,
): string[] {
  if (kind === "preview") {
    return [
      oidcSubject(repo, { kind: "pull_request" }),
      oidcSubject(repo, { kind: "ref", ref: `refs/heads/${MAIN_BRANCH}` }),
    ];
  }
  return [oidcSubject(repo, { kind: "environment", environment: githubEnvironmentName(env) })];
}
