/**
 * The GitHub Actions workflows (.github/workflows) and local actions (.github/actions): each file
 * passes GitHub's own parser (@actions/workflow-parser) and action-validator's schema, and the
 * pipeline's safety rules hold: third-party actions pinned by commit, least permissions per job,
 * pull requests never given a deploy role nor the in-VPC deployer, staging and prod applied only on
 * their deployer behind their GitHub environment, one update per stack at a time.
 *
 * Each rule is a function returning its problems, so a test can feed it a mutated workflow and
 * see it fail (the negative cases at the end).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import {
  CI_ENVIRONMENTS,
  CI_ROLE_KINDS,
  type CiEnvironment,
  ciRoleName,
  ciRoleSubjects,
  type GithubRepository,
  githubEnvironmentName,
  hasDeployRole,
  MAIN_BRANCH,
  oidcSubject,
} from "../../bootstrap/identities";
import { deployerProjectName, deployerRunnerLabel } from "../../components/cluster/deployer";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOWS_DIR = path.join(ROOT, ".github", "workflows");
const ACTIONS_DIR = path.join(ROOT, ".github", "actions");

type Mapping = Record<string, unknown>;
interface Step extends Mapping {
  uses?: string;
  with?: Mapping;
}
interface Job extends Mapping {
  permissions?: unknown;
  "runs-on"?: unknown;
  environment?: unknown;
  concurrency?: unknown;
  strategy?: { matrix?: { include?: Mapping[] } & Mapping };
  steps?: Step[];
}
interface Workflow {
  name?: string;
  on?: unknown;
  permissions?: unknown;
  jobs: Record<string, Job>;
}

/** A workflow or action file: its path relative to the repository and its text. */
interface SourceFile {
  file: string;
  text: string;
}

function read(dir: string, pick: (name: string) => boolean): SourceFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter(pick)
    .sort()
    .map((rel) => ({
      file: path.relative(ROOT, path.join(dir, rel)),
      text: fs.readFileSync(path.join(dir, rel), "utf8"),
    }));
}
const workflows = read(WORKFLOWS_DIR, (f) => /\.ya?ml$/.test(f));
const actions = read(ACTIONS_DIR, (f) => /(^|\/)action\.ya?ml$/.test(f));
const workflowFile = (name: string): SourceFile => {
  const found = workflows.find((w) => w.file === `.github/workflows/${name}`);
  assert.ok(found, `.github/workflows/${name} is missing`);
  return found;
};

// ---------------------------------------------------------------------------------------------
// Schema: GitHub's parser and action-validator
// ---------------------------------------------------------------------------------------------

/** Every parser and validator error of a workflow (or, with kind "action", an action) file. */
export async function schemaProblems(
  source: SourceFile,
  kind: "workflow" | "action",
): Promise<string[]> {
  // Both packages are ES modules only; this project's tests are CommonJS.
  const parser = await import("@actions/workflow-parser");
  const actionParser = await import("@actions/workflow-parser/actions/index");
  const validator = await import("@action-validator/core");
  const trace = new parser.NoOperationTraceWriter();
  const input = { name: source.file, content: source.text };
  const problems: string[] = [];
  if (kind === "workflow") {
    const parsed = parser.parseWorkflow(input, trace);
    problems.push(...parsed.context.errors.getErrors().map((e) => `parser: ${e.message}`));
    if (parsed.value && problems.length === 0) {
      const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value);
      problems.push(...(template.errors ?? []).map((e) => `parser: ${e.Message}`));
    }
  } else {
    const parsed = actionParser.parseAction(input, trace);
    problems.push(...parsed.context.errors.getErrors().map((e) => `parser: ${e.message}`));
  }
  const state =
    kind === "workflow"
      ? validator.validateWorkflow(source.text)
      : validator.validateAction(source.text);
  const flatten = (errors: typeof state.errors): string[] =>
    errors.flatMap((e) => [
      `action-validator: ${"path" in e ? `${e.path}: ` : ""}${e.title}${e.detail ? ` (${e.detail})` : ""}`,
      ...("states" in e && e.states ? e.states.flatMap((s) => flatten(s.errors)) : []),
    ]);
  problems.push(...flatten(state.errors));
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Pins: owner/repo@<40 hex> # vX.Y.Z
// ---------------------------------------------------------------------------------------------

/** A `uses:` of a non-local action: where, what, at which commit, which version comment. */
export interface ActionPin {
  file: string;
  line: number;
  action: string;
  sha: string;
  version: string;
}

/**
 * Every `uses:` that is not a local action (./...) must name `owner/repo[/path]@<commit SHA>` with
 * the release it is in a trailing comment (`# v1.2.3`): a tag can be moved to other code, a commit
 * cannot. Returns the problems and the pins found.
 */
export function pinProblems(source: SourceFile): { problems: string[]; pins: ActionPin[] } {
  const problems: string[] = [];
  const pins: ActionPin[] = [];
  source.text.split("\n").forEach((text, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(text);
    if (!m) return;
    const [, ref, rest] = m;
    const where = `${source.file}:${i + 1}`;
    if (ref.startsWith("./")) return;
    const pin = /^([A-Za-z0-9-]+\/[A-Za-z0-9._-]+(?:\/[^@\s]+)?)@([0-9a-f]{40})$/.exec(ref);
    if (!pin) {
      problems.push(`${where}: ${ref} is not pinned by a full commit SHA (owner/repo@<40 hex>)`);
      return;
    }
    const version = /^\s+#\s+(v\d+\.\d+\.\d+)\s*$/.exec(rest);
    if (!version) {
      problems.push(`${where}: ${ref} has no "# vX.Y.Z" comment naming the pinned release`);
      return;
    }
    pins.push({ file: source.file, line: i + 1, action: pin[1], sha: pin[2], version: version[1] });
  });
  return { problems, pins };
}

/** One action, one commit, one version across all files (an upgrade changes every use at once). */
export function pinConsistencyProblems(pins: ActionPin[]): string[] {
  const byAction = new Map<string, Set<string>>();
  for (const p of pins) {
    const seen = byAction.get(p.action) ?? new Set<string>();
    seen.add(`${p.sha} # ${p.version}`);
    byAction.set(p.action, seen);
  }
  return [...byAction]
    .filter(([, seen]) => seen.size > 1)
    .map(
      ([action, seen]) => `${action} is pinned at ${seen.size} revisions: ${[...seen].join(", ")}`,
    );
}

// ---------------------------------------------------------------------------------------------
// Permissions
// ---------------------------------------------------------------------------------------------

const isAction = (step: Step, action: string) => step.uses?.split("@")[0] === action;
const assumesRole = (job: Job) =>
  (job.steps ?? []).some(
    (s) => isAction(s, "aws-actions/configure-aws-credentials") && s.with?.["role-to-assume"],
  );
const commentsOnPullRequest = (job: Job) =>
  (job.steps ?? []).some(
    (s) => isAction(s, "pulumi/actions") && String(s.with?.["comment-on-pr"]) === "true",
  );
const writesIssues = (job: Job) =>
  (job.steps ?? []).some((s) => isAction(s, "actions/github-script"));

/**
 * Top-level `permissions` is `{}` or read-only; every job declares its own, and each is within
 * what its purpose needs: `contents: read` to check out; `id-token: write` exactly when the job
 * assumes an AWS role through OIDC; `pull-requests: write` only to comment a preview;
 * `issues: write` only to report drift. Nothing else.
 */
export function permissionProblems(file: string, wf: Workflow): string[] {
  const problems: string[] = [];
  const top = wf.permissions;
  if (top === undefined) {
    problems.push(`${file}: no top-level permissions (declare permissions: {})`);
  } else if (
    typeof top !== "object" ||
    top === null ||
    Object.values(top).some((v) => v !== "read" && v !== "none")
  ) {
    problems.push(
      `${file}: top-level permissions must be {} or read-only (got ${JSON.stringify(top)})`,
    );
  }
  for (const [id, job] of Object.entries(wf.jobs)) {
    const where = `${file} job ${id}`;
    const perms = job.permissions;
    if (typeof perms !== "object" || perms === null) {
      problems.push(`${where}: declares no permissions map (got ${JSON.stringify(perms)})`);
      continue;
    }
    const allowed: Record<string, string> = { contents: "read" };
    if (assumesRole(job)) allowed["id-token"] = "write";
    if (commentsOnPullRequest(job)) allowed["pull-requests"] = "write";
    if (writesIssues(job)) allowed.issues = "write";
    for (const [scope, level] of Object.entries(perms as Mapping)) {
      if (level === "none") continue;
      if (allowed[scope] !== level) {
        problems.push(`${where}: ${scope}: ${String(level)} is not needed by what the job does`);
      }
    }
    if (assumesRole(job) && (perms as Mapping)["id-token"] !== "write") {
      problems.push(`${where}: assumes an AWS role but lacks id-token: write`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Roles, deployers, environments, concurrency
// ---------------------------------------------------------------------------------------------

/** The triggers of a workflow, whatever form `on:` takes. */
function triggers(wf: Workflow): string[] {
  const on = wf.on;
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.map(String);
  return on && typeof on === "object" ? Object.keys(on) : [];
}
const PULL_REQUEST_TRIGGERS = ["pull_request", "pull_request_target"];

/** A job once per matrix `include` entry, `${{ matrix.x }}` replaced by the entry's value. */
export function jobInstances(job: Job): { job: Job; problems: string[] }[] {
  const matrix = job.strategy?.matrix;
  if (!matrix) return [{ job, problems: [] }];
  const other = Object.keys(matrix).filter((k) => k !== "include");
  if (other.length > 0 || !Array.isArray(matrix.include)) {
    return [{ job, problems: [`matrix must be an include list (got keys ${other.join(", ")})`] }];
  }
  return matrix.include.map((entry) => {
    const text = JSON.stringify(job).replace(
      /\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g,
      (_, key: string) => (key in entry ? String(entry[key]) : `<no matrix.${key}>`),
    );
    return { job: JSON.parse(text) as Job, problems: [] };
  });
}

/** The stack a job operates on: the `stack-name` of its pulumi/actions step, if any. */
function pulumiStep(job: Job): Step | undefined {
  return (job.steps ?? []).find((s) => isAction(s, "pulumi/actions"));
}

/** The role names a job assumes (the part after `:role/`). */
function assumedRoles(job: Job): string[] {
  return (job.steps ?? [])
    .filter((s) => isAction(s, "aws-actions/configure-aws-credentials"))
    .map((s) => String(s.with?.["role-to-assume"] ?? ""))
    .map((arn) => arn.slice(arn.indexOf(":role/") + ":role/".length));
}

/** The stacks that have an in-VPC deployer, with the workflow name its webhook admits. */
export function deployerWorkflowNames(): Map<CiEnvironment, string> {
  const names = new Map<CiEnvironment, string>();
  for (const stack of CI_ENVIRONMENTS) {
    const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
    const config = (parse(fs.readFileSync(file, "utf8")) as { config: Mapping }).config;
    const deployer = config["acme-platform:deployer"] as
      { repository: { workflowName: string } } | undefined;
    if (deployer) names.set(stack, deployer.repository.workflowName);
  }
  return names;
}

/**
 * The `runs-on` label of a job for a stack's deployer: the CodeBuild project is
 * `acme-<environment>-deployer` (index.ts) and `Deployer.runnerLabel` is
 * `codebuild-<project>-${{ github.run_id }}-${{ github.run_attempt }}` (components/cluster/deployer.ts).
 */
export function deployerLabel(stack: string): string {
  return deployerRunnerLabel(deployerProjectName(stack));
}
const runsOnDeployer = (job: Job) => /^codebuild-/.test(String(job["runs-on"] ?? ""));

/**
 * Pull-request workflows: every preview assumes its own stack's preview role and no deploy role
 * is named anywhere in the file; no job runs on a deployer (the pull request's code would run with
 * the deployer's role).
 */
export function pullRequestProblems(source: SourceFile, wf: Workflow): string[] {
  if (!triggers(wf).some((t) => PULL_REQUEST_TRIGGERS.includes(t))) return [];
  const problems: string[] = [];
  for (const env of CI_ENVIRONMENTS) {
    if (source.text.includes(ciRoleName(env, "deploy"))) {
      problems.push(`${source.file}: names the deploy role ${ciRoleName(env, "deploy")}`);
    }
  }
  for (const [id, job] of Object.entries(wf.jobs)) {
    for (const { job: instance, problems: matrixProblems } of jobInstances(job)) {
      problems.push(...matrixProblems.map((p) => `${source.file} job ${id}: ${p}`));
      if (runsOnDeployer(instance)) {
        problems.push(`${source.file} job ${id}: a pull request's job runs on a deployer`);
      }
      const stack = pulumiStep(instance)?.with?.["stack-name"];
      for (const role of assumedRoles(instance)) {
        const expected = CI_ENVIRONMENTS.includes(stack as CiEnvironment)
          ? ciRoleName(stack as CiEnvironment, "preview")
          : undefined;
        if (role !== expected) {
          problems.push(
            `${source.file} job ${id}: assumes ${role} for stack ${String(stack)}; only ${String(expected)} (its preview role) is allowed`,
          );
        }
      }
    }
  }
  return problems;
}

/**
 * Deploying workflows: every `pulumi up` has a concurrency group of its own stack that never
 * cancels a running update and runs in the stack's GitHub environment (its reviewers); a stack
 * with a CI deploy role (`hasDeployRole`: dev) assumes exactly that role, every other one is
 * applied on its deployer with the deployer's own role. Every job on a deployer belongs to a
 * workflow whose name the deployer's webhook admits, works on that deployer's stack only and
 * assumes no OIDC role there.
 */
export function deployProblems(
  file: string,
  wf: Workflow,
  deployers: Map<CiEnvironment, string>,
): string[] {
  const problems: string[] = [];
  const groups = new Map<string, string>();
  for (const [id, job] of Object.entries(wf.jobs)) {
    const where = `${file} job ${id}`;
    const step = pulumiStep(job);
    const stack = String(step?.with?.["stack-name"] ?? "");
    const command = String(step?.with?.command ?? "");
    if (runsOnDeployer(job)) {
      const stackOfLabel = [...deployers.keys()].find((s) => job["runs-on"] === deployerLabel(s));
      if (!stackOfLabel) {
        problems.push(`${where}: runs-on ${String(job["runs-on"])} is no stack's deployer label`);
      } else {
        if (deployers.get(stackOfLabel) !== wf.name) {
          problems.push(
            `${where}: runs on ${stackOfLabel}'s deployer, whose webhook admits only the workflow named ${String(deployers.get(stackOfLabel))} (this one is ${String(wf.name)})`,
          );
        }
        if (step && stack !== stackOfLabel) {
          problems.push(`${where}: runs ${stack} on ${stackOfLabel}'s deployer`);
        }
        if (assumedRoles(job).length > 0) {
          problems.push(`${where}: assumes an OIDC role on the deployer (it uses its own role)`);
        }
      }
    }
    if (command !== "up") continue;
    if (!CI_ENVIRONMENTS.includes(stack as CiEnvironment)) {
      problems.push(`${where}: pulumi up of unknown stack ${stack}`);
      continue;
    }
    const concurrency = job.concurrency as { group?: string; "cancel-in-progress"?: unknown };
    if (!concurrency?.group?.includes(stack) || concurrency["cancel-in-progress"] !== false) {
      problems.push(
        `${where}: needs concurrency: { group: <one per stack, naming ${stack}>, cancel-in-progress: false }`,
      );
    } else if (groups.has(concurrency.group) && groups.get(concurrency.group) !== stack) {
      problems.push(
        `${where}: concurrency group ${concurrency.group} is shared with another stack`,
      );
    } else {
      groups.set(concurrency.group, stack);
    }
    const environment =
      typeof job.environment === "object" && job.environment !== null
        ? (job.environment as Mapping).name
        : job.environment;
    if (environment !== githubEnvironmentName(stack as CiEnvironment)) {
      problems.push(
        `${where}: pulumi up ${stack} without environment: ${githubEnvironmentName(stack as CiEnvironment)} (its reviewers)`,
      );
    }
    if (hasDeployRole(stack as CiEnvironment)) {
      const roles = assumedRoles(job);
      const deployRole = ciRoleName(stack as CiEnvironment, "deploy");
      if (roles.length !== 1 || roles[0] !== deployRole) {
        problems.push(
          `${where}: pulumi up ${stack} must assume ${deployRole} (got ${roles.join(", ") || "none"})`,
        );
      }
    } else if (!deployers.has(stack as CiEnvironment)) {
      problems.push(`${where}: ${stack} has neither a CI deploy role nor a deployer`);
    } else if (job["runs-on"] !== deployerLabel(stack)) {
      problems.push(`${where}: pulumi up ${stack} must run on ${deployerLabel(stack)}`);
    }
  }
  for (const trigger of triggers(wf)) {
    if (PULL_REQUEST_TRIGGERS.includes(trigger) && groups.size > 0) {
      problems.push(`${file}: runs pulumi up on ${trigger}`);
    }
  }
  return problems;
}

/**
 * Every role a job assumes admits the OIDC subject that job gets: a job with an `environment:`
 * is `environment:<name>`; otherwise a pull request's job is `pull_request`, and any other
 * workflow's job runs on (and deploys from) the main branch, `ref:refs/heads/main`.
 */
export function subjectProblems(file: string, wf: Workflow, repo: GithubRepository): string[] {
  const problems: string[] = [];
  const onPullRequest = triggers(wf).some((t) => PULL_REQUEST_TRIGGERS.includes(t));
  for (const [id, job] of Object.entries(wf.jobs)) {
    for (const { job: instance } of jobInstances(job)) {
      const environment =
        typeof instance.environment === "object" && instance.environment !== null
          ? (instance.environment as Mapping).name
          : instance.environment;
      const subject = oidcSubject(
        repo,
        typeof environment === "string"
          ? { kind: "environment", environment }
          : onPullRequest
            ? { kind: "pull_request" }
            : { kind: "ref", ref: `refs/heads/${MAIN_BRANCH}` },
      );
      for (const role of assumedRoles(instance)) {
        const owner = CI_ENVIRONMENTS.flatMap((env) =>
          CI_ROLE_KINDS.map((kind) => ({ env, kind })),
        ).find(({ env, kind }) => ciRoleName(env, kind) === role);
        if (!owner) {
          problems.push(`${file} job ${id}: assumes ${role}, which is no CI role`);
        } else if (!ciRoleSubjects(repo, owner.env, owner.kind).includes(subject)) {
          problems.push(
            `${file} job ${id}: gets the subject ${subject}, which ${role}'s trust does not admit`,
          );
        }
      }
    }
  }
  return problems;
}

/** The repository the stacks' deployers name (any will do: the subjects' tails are what differ). */
function repository(): GithubRepository {
  const file = path.join(ROOT, "Pulumi.prod.yaml");
  const config = (parse(fs.readFileSync(file, "utf8")) as { config: Mapping }).config;
  const { owner, name } = (config["acme-platform:deployer"] as { repository: GithubRepository })
    .repository;
  return { owner, name, subjectFormat: "legacy" };
}

/** Every rule on one workflow text. */
async function allProblems(source: SourceFile): Promise<string[]> {
  const wf = parse(source.text) as Workflow;
  return [
    ...(await schemaProblems(source, "workflow")),
    ...pinProblems(source).problems,
    ...permissionProblems(source.file, wf),
    ...pullRequestProblems(source, wf),
    ...deployProblems(source.file, wf, deployerWorkflowNames()),
    ...subjectProblems(source.file, wf, repository()),
  ];
}

// ---------------------------------------------------------------------------------------------

describe("GitHub Actions workflows", () => {
  it("has the pull-request and deploy workflows and the local setup action", () => {
    assert.deepEqual(
      workflows.map((w) => w.file),
      [".github/workflows/deploy.yml", ".github/workflows/pull-request.yml"],
    );
    assert.deepEqual(
      actions.map((a) => a.file),
      [".github/actions/pulumi-setup/action.yml"],
    );
  });

  for (const source of workflows) {
    it(`${source.file}: passes GitHub's parser, action-validator and every rule`, async () => {
      assert.deepEqual(await allProblems(source), []);
    });
  }
  for (const source of actions) {
    it(`${source.file}: passes GitHub's parser and action-validator; actions pinned`, async () => {
      assert.deepEqual(await schemaProblems(source, "action"), []);
      assert.deepEqual(pinProblems(source).problems, []);
    });
  }

  it("pins each action at one commit everywhere", () => {
    const pins = [...workflows, ...actions].flatMap((s) => pinProblems(s).pins);
    assert.ok(pins.length >= 6, `expected the pinned actions, found ${pins.length}`);
    assert.deepEqual(pinConsistencyProblems(pins), []);
  });

  it("previews every stack on a pull request, each with its own preview role", () => {
    const wf = parse(workflowFile("pull-request.yml").text) as Workflow;
    const previews = Object.values(wf.jobs)
      .flatMap((job) => jobInstances(job).map((i) => i.job))
      .filter((job) => pulumiStep(job)?.with?.command === "preview");
    assert.deepEqual(
      previews.map((job) => [pulumiStep(job)?.with?.["stack-name"], assumedRoles(job)]),
      CI_ENVIRONMENTS.map((env) => [env, [ciRoleName(env, "preview")]]),
    );
    for (const job of previews) {
      const w = pulumiStep(job)?.with ?? {};
      assert.equal(w.policyPacks, "policies");
      assert.equal(w["comment-on-pr"], true);
      assert.equal(w["edit-pr-comment"], true);
      assert.equal(job["runs-on"], "ubuntu-24.04");
    }
  });

  it("applies dev, then staging, then prod on merge, and checks every stack for drift", () => {
    const wf = parse(workflowFile("deploy.yml").text) as Workflow;
    const byCommand = (command: string) =>
      Object.entries(wf.jobs)
        .filter(([, job]) => pulumiStep(job)?.with?.command === command)
        .map(([id, job]) => [id, pulumiStep(job)?.with?.["stack-name"], job.needs ?? null]);
    assert.deepEqual(byCommand("up"), [
      ["up-dev", "dev", null],
      ["up-staging", "staging", "up-dev"],
      ["up-prod", "prod", "up-staging"],
    ]);
    assert.deepEqual(
      byCommand("preview").map(([, stack]) => stack),
      [...CI_ENVIRONMENTS],
    );
    for (const [id, job] of Object.entries(wf.jobs)) {
      const w = pulumiStep(job)?.with;
      if (w?.command === "preview") {
        assert.equal(w.refresh, true, `${id} refreshes`);
        assert.equal(w["expect-no-changes"], true, `${id} expects no changes`);
      }
    }
    // Every deployer the stacks define admits this workflow.
    for (const [stack, name] of deployerWorkflowNames()) {
      assert.equal(name, wf.name, `Pulumi.${stack}.yaml deployer.repository.workflowName`);
    }
  });

  describe("rules that fail on a mutated workflow", () => {
    const mutate = (name: string, from: string | RegExp, to: string): SourceFile => {
      const source = workflowFile(name);
      const text = source.text.replace(from, to);
      assert.notEqual(text, source.text, `mutation of ${name} did not apply: ${String(from)}`);
      return { file: source.file, text };
    };
    const includesMatch = (problems: string[], pattern: RegExp) =>
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `expected a problem matching ${pattern}, got:\n${problems.join("\n")}`,
      );

    it("a schema error (a misspelt key) fails the parser and action-validator", async () => {
      const problems = await allProblems(
        mutate("deploy.yml", "runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04"),
      );
      includesMatch(problems, /^parser: .*Unexpected value 'runs_on'/);
      includesMatch(problems, /^action-validator: /);
    });

    it("an action pinned by tag", async () => {
      const problems = await allProblems(
        mutate("pull-request.yml", /pulumi\/actions@[0-9a-f]{40}/, "pulumi/actions@v7"),
      );
      includesMatch(problems, /pulumi\/actions@v7 is not pinned by a full commit SHA/);
    });

    it("a pin without its version comment", async () => {
      const problems = await allProblems(
        mutate("deploy.yml", /(actions\/github-script@[0-9a-f]{40}) # v[\d.]+/, "$1"),
      );
      includesMatch(problems, /github-script@[0-9a-f]{40} has no "# vX.Y.Z" comment/);
    });

    it("two revisions of one action", () => {
      const source = mutate(
        "deploy.yml",
        /actions\/checkout@[0-9a-f]{40} # v[\d.]+/,
        `actions/checkout@${"a".repeat(40)} # v1.0.0`,
      );
      includesMatch(
        pinConsistencyProblems(pinProblems(source).pins),
        /actions\/checkout is pinned at 2 revisions/,
      );
    });

    it("write-all at the top, or a write a job does not need", async () => {
      includesMatch(
        await allProblems(mutate("pull-request.yml", "permissions: {}", "permissions: write-all")),
        /top-level permissions must be \{\} or read-only/,
      );
      includesMatch(
        await allProblems(
          mutate(
            "pull-request.yml",
            /( {2}test:\n(?:.*\n)*? {4}permissions:\n {6}contents: read\n)/,
            "$1      id-token: write\n",
          ),
        ),
        /job test: id-token: write is not needed/,
      );
      includesMatch(
        await allProblems(
          mutate("deploy.yml", /( {2}up-prod:\n(?:.*\n)*? {6}contents: )read/, "$1write"),
        ),
        /job up-prod: contents: write is not needed/,
      );
    });

    it("a pull request given a deploy role", async () => {
      const problems = await allProblems(
        mutate(
          "pull-request.yml",
          `role: ${ciRoleName("prod", "preview")}`,
          `role: ${ciRoleName("prod", "deploy")}`,
        ),
      );
      includesMatch(problems, new RegExp(`names the deploy role ${ciRoleName("prod", "deploy")}`));
      includesMatch(problems, /assumes .* for stack prod; only .* \(its preview role\)/);
    });

    it("a pull request previewing on the deployer", async () => {
      const problems = await allProblems(
        mutate(
          "pull-request.yml",
          /( {2}preview:\n(?:.*\n)*? {4}runs-on: )ubuntu-24.04/,
          `$1${deployerLabel("prod")}`,
        ),
      );
      includesMatch(problems, /job preview: a pull request's job runs on a deployer/);
    });

    it("prod without its environment, or on a GitHub-hosted runner", async () => {
      includesMatch(
        await allProblems(mutate("deploy.yml", /\n {4}environment: prod\n/, "\n")),
        /job up-prod: pulumi up prod without environment: prod/,
      );
      includesMatch(
        await allProblems(
          mutate(
            "deploy.yml",
            `    runs-on: ${deployerLabel("staging")}\n    environment`,
            "    runs-on: ubuntu-24.04\n    environment",
          ),
        ),
        /job up-staging: pulumi up staging must run on codebuild-acme-staging-deployer-/,
      );
    });

    it("an update that may be cancelled, or shares its group with another stack", async () => {
      includesMatch(
        await allProblems(
          mutate("deploy.yml", /(group: pulumi-staging\n\s+cancel-in-progress: )false/, "$1true"),
        ),
        /job up-staging: needs concurrency/,
      );
      const shared = mutate(
        "deploy.yml",
        "group: pulumi-staging\n",
        "group: pulumi-staging-prod\n",
      );
      const text = shared.text.replace("group: pulumi-prod\n", "group: pulumi-staging-prod\n");
      includesMatch(
        await allProblems({ file: shared.file, text }),
        /job up-prod: concurrency group pulumi-staging-prod is shared with another stack/,
      );
    });

    it("a workflow whose name the deployers' webhooks do not admit", async () => {
      const problems = await allProblems(mutate("deploy.yml", /^name: deploy$/m, "name: release"));
      includesMatch(
        problems,
        /runs on staging's deployer, whose webhook admits only the workflow named deploy/,
      );
    });

    it("a role asked for from a job whose subject its trust does not admit", async () => {
      const problems = await allProblems(mutate("deploy.yml", /\n {4}environment: dev\n/, "\n"));
      includesMatch(problems, /job up-dev: pulumi up dev without environment: dev/);
      includesMatch(
        problems,
        /job up-dev: gets the subject repo:acme\/platform:ref:refs\/heads\/main, which acme-platform-dev-deploy's trust does not admit/,
      );
    });

    it("dev applied with its preview role", async () => {
      const problems = await allProblems(
        mutate(
          "deploy.yml",
          `role/${ciRoleName("dev", "deploy")}`,
          `role/${ciRoleName("dev", "preview")}`,
        ),
      );
      includesMatch(
        problems,
        new RegExp(`job up-dev: pulumi up dev must assume ${ciRoleName("dev", "deploy")}`),
      );
    });
  });
});
