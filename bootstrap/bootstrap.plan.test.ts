/**
 * The bootstrap stack's offline plan (bootstrap/Pulumi.main.yaml under the mocks): the policy
 * pack passes, the security inputs are exactly as designed, and IAM evaluation
 * (@cloud-copilot/iam-simulate) proves what the CI roles may do and who may assume them.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ConfigError } from "../config";
import { evaluateStackExport } from "../policies/lib/runner";
import type { CheckedResource } from "../tools/checks/graph";
import { revealSecrets } from "../tools/stackExport";
import { MOCK_ACCOUNT_ID, simulateIam, type IamDecision } from "../tools/testing";
import { parseBootstrapConfig } from "./config";
import { ciRoleName, GITHUB_OIDC_AUDIENCE, oidcSubject, type GithubRepository } from "./identities";
import { bootstrapPolicyConfig, runBootstrapProgram, type BootstrapPlanRun } from "./plan";

const ACCOUNT = MOCK_ACCOUNT_ID;
const BUCKET = "acme-pulumi-state-111122223333";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const REPO: GithubRepository = { owner: "acme", name: "platform", subjectFormat: "legacy" };
const OIDC_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const stateObject = (stack: string) => `${BUCKET_ARN}/.pulumi/stacks/acme-platform/${stack}.json`;

type Dict = Record<string, unknown>;
let run: BootstrapPlanRun;

function resources(type: string): CheckedResource[] {
  return run.checkable.filter((r) => r.type === type);
}
function one(type: string, name: string): CheckedResource {
  const found = resources(type).filter((r) => r.urn.endsWith(`::${name}`));
  assert.equal(found.length, 1, `one ${type} ${name}`);
  return found[0];
}
function json(r: CheckedResource, input: string): { Statement: Dict[] } {
  return JSON.parse(revealSecrets(r.inputs[input]) as string) as { Statement: Dict[] };
}
function rolePolicy(roleName: string): Dict {
  const env = roleName.replace(/^acme-platform-/, "").replace(/-(preview|deploy)$/, "");
  const kind = roleName.endsWith("-deploy") ? "deploy" : "preview";
  return json(one("aws:iam/rolePolicy:RolePolicy", `ci-${env}-${kind}`), "policy");
}
function trustPolicy(roleName: string): { Statement: Dict[] } {
  const role = resources("aws:iam/role:Role").find((r) => r.inputs.name === roleName);
  assert.ok(role, `role ${roleName}`);
  return json(role, "assumeRolePolicy");
}

/** What the role `roleName` may do with its own policy (no resource policy consulted). */
function roleMay(roleName: string, action: string, resource: string): Promise<IamDecision> {
  return simulateIam({
    principal: roleArn(roleName),
    identityPolicies: { ci: rolePolicy(roleName) },
    action,
    resource,
  });
}

/**
 * Whether GitHub's token with `sub` (and `aud`) may assume `roleName`, by its trust policy.
 * iam-simulate 0.1.173 cannot decide this: its service data lists no
 * `token.actions.githubusercontent.com:sub`/`:aud` keys for sts:AssumeRoleWithWebIdentity, so its
 * checked entry point drops them (every token is refused), and its unchecked one fails on any
 * resource policy. So the trust policy's one shape (asserted exactly below) is evaluated here as
 * IAM does: an Allow for the federated principal and the action whose every `StringEquals` key
 * equals one of its values, case-sensitively; no Deny statements exist to consider.
 */
function tokenMayAssume(roleName: string, sub: string, aud = GITHUB_OIDC_AUDIENCE): IamDecision {
  const claims: Record<string, string> = {
    "token.actions.githubusercontent.com:sub": sub,
    "token.actions.githubusercontent.com:aud": aud,
  };
  const admits = trustPolicy(roleName).Statement.some((st) => {
    const conditions = st.Condition as Record<string, Record<string, string | string[]>>;
    assert.deepEqual(Object.keys(conditions), ["StringEquals"], "only StringEquals is evaluated");
    return (
      st.Effect === "Allow" &&
      st.Action === "sts:AssumeRoleWithWebIdentity" &&
      (st.Principal as Dict).Federated === OIDC_PROVIDER &&
      Object.entries(conditions.StringEquals).every(([key, values]) =>
        [values].flat().includes(claims[key]),
      )
    );
  });
  return admits ? "Allowed" : "ImplicitlyDenied";
}

describe("bootstrap offline plan (stack main)", () => {
  before(async () => {
    run = await runBootstrapProgram({ stack: "main" });
  });

  it("passes the policy pack with its config, the state bucket's access logging advisory", async () => {
    const result = await evaluateStackExport(run.export, { config: bootstrapPolicyConfig() });
    assert.ok(result.resourcesChecked >= 20);
    assert.deepEqual(
      result.violations.map(
        (v) => `${v.enforcementLevel} ${v.policyName} ${v.urn.split("::").pop()}`,
      ),
      ["advisory acme-s3-bucket-enable-server-access-logging pulumi-state"],
    );
    // Without the config the same finding is mandatory: the config is what lets it through.
    const strict = await evaluateStackExport(run.export, {});
    assert.deepEqual(
      strict.violations.map((v) => v.enforcementLevel),
      ["mandatory"],
    );
  });

  it("outputs the backend URL and the exact awskms:// secrets provider", () => {
    assert.equal(run.outputs.backendUrl, `s3://${BUCKET}?region=eu-west-1`);
    assert.equal(run.outputs.secretsProvider, "awskms://alias/pulumi-secrets?region=eu-west-1");
    assert.deepEqual(revealSecrets(run.outputs.ciRoleNames), {
      dev: { preview: "acme-platform-dev-preview", deploy: "acme-platform-dev-deploy" },
      staging: { preview: "acme-platform-staging-preview" },
      prod: { preview: "acme-platform-prod-preview" },
    });
  });

  it("protects the bucket and both keys; rotates both keys; key policies name the account only", () => {
    const records = run.export.deployment.resources;
    const protectedUrns = records.filter((r) => r.protect).map((r) => r.urn.split("::").pop());
    assert.deepEqual(protectedUrns.sort(), [
      "pulumi-state",
      "pulumi-state-secrets",
      "pulumi-state-state",
    ]);
    for (const key of resources("aws:kms/key:Key")) {
      assert.equal(key.inputs.enableKeyRotation, true);
      assert.deepEqual(json(key, "policy").Statement, [
        {
          Sid: "AccountAdministration",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ]);
    }
    const secretsKey = one("aws:kms/key:Key", "pulumi-state-secrets");
    assert.equal(
      one("aws:kms/alias:Alias", "pulumi-state-secrets").inputs.targetKeyId,
      secretsKey.outputs?.keyId,
    );
  });

  it("encrypts the bucket with its own key and a Bucket Key; versioned; ACLs off; public access blocked", () => {
    const stateKey = one("aws:kms/key:Key", "pulumi-state-state");
    const sse = one(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "pulumi-state",
    );
    assert.deepEqual(sse.inputs.rules, [
      {
        applyServerSideEncryptionByDefault: {
          sseAlgorithm: "aws:kms",
          kmsMasterKeyId: stateKey.outputs?.arn,
        },
        bucketKeyEnabled: true,
        blockedEncryptionTypes: ["SSE-C"],
      },
    ]);
    const pab = one(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "pulumi-state",
    ).inputs;
    assert.deepEqual(
      [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
      [true, true, true, true],
    );
    assert.deepEqual(
      one("aws:s3/bucketVersioning:BucketVersioning", "pulumi-state").inputs
        .versioningConfiguration,
      { status: "Enabled" },
    );
    assert.deepEqual(
      one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "pulumi-state").inputs.rule,
      { objectOwnership: "BucketOwnerEnforced" },
    );
    const rules = one(
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "pulumi-state",
    ).inputs.rules as Dict[];
    assert.deepEqual(rules[0].noncurrentVersionExpiration, {
      noncurrentDays: 90,
      newerNoncurrentVersions: 10,
    });
    assert.deepEqual(rules[0].abortIncompleteMultipartUpload, { daysAfterInitiation: 7 });
    assert.ok(
      rules.every((r) => !(r.expiration as Dict | undefined)?.days),
      "current state never expires",
    );
  });

  it("denies requests without TLS and principals of other accounts, in the bucket policy", async () => {
    const policy = json(one("aws:s3/bucketPolicy:BucketPolicy", "pulumi-state"), "policy");
    const both = [BUCKET_ARN, `${BUCKET_ARN}/*`];
    assert.deepEqual(policy.Statement, [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: both,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "DenyOtherAccounts",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: both,
        Condition: { StringNotEquals: { "aws:PrincipalAccount": ACCOUNT } },
      },
    ]);
    // The deploy role, which may read its state over TLS, is denied without it.
    const request = (secure: string) =>
      simulateIam({
        principal: roleArn("acme-platform-dev-deploy"),
        identityPolicies: { ci: rolePolicy("acme-platform-dev-deploy") },
        resourcePolicy: policy,
        action: "s3:GetObject",
        resource: stateObject("dev"),
        context: { "aws:SecureTransport": secure, "aws:PrincipalAccount": ACCOUNT },
      });
    assert.equal(await request("true"), "Allowed");
    assert.equal(await request("false"), "ExplicitlyDenied");
  });

  it("creates GitHub's OIDC provider for audience sts.amazonaws.com", () => {
    const provider = one("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "ci-github");
    assert.equal(provider.inputs.url, "https://token.actions.githubusercontent.com");
    assert.deepEqual(provider.inputs.clientIdLists, ["sts.amazonaws.com"]);
  });

  it("has trust policies the checked simulator accepts, and that admit no one without a token", async () => {
    for (const role of resources("aws:iam/role:Role")) {
      const name = String(role.inputs.name);
      assert.equal(
        await simulateIam({
          principal: OIDC_PROVIDER,
          identityPolicies: {},
          resourcePolicy: trustPolicy(name),
          action: "sts:AssumeRoleWithWebIdentity",
          resource: roleArn(name),
        }),
        "ImplicitlyDenied",
        name,
      );
    }
  });

  it("trusts exactly the intended subjects with StringEquals (no wildcard)", () => {
    const expected = (subjects: string | string[]) => [
      {
        Sid: "GitHubActionsOfThisRepository",
        Effect: "Allow",
        Principal: { Federated: OIDC_PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": subjects,
          },
        },
      },
    ];
    for (const env of ["dev", "staging", "prod"] as const) {
      assert.deepEqual(
        trustPolicy(ciRoleName(env, "preview")).Statement,
        expected(["repo:acme/platform:pull_request", "repo:acme/platform:ref:refs/heads/main"]),
      );
    }
    assert.deepEqual(
      trustPolicy("acme-platform-dev-deploy").Statement,
      expected("repo:acme/platform:environment:dev"),
    );
  });

  it("lets only this repository's dev environment assume the dev deploy role", async () => {
    const role = "acme-platform-dev-deploy";
    const other: GithubRepository = { ...REPO, owner: "evil" };
    assert.equal(
      tokenMayAssume(role, oidcSubject(REPO, { kind: "environment", environment: "dev" })),
      "Allowed",
    );
    for (const sub of [
      oidcSubject(REPO, { kind: "pull_request" }),
      oidcSubject(REPO, { kind: "ref", ref: "refs/heads/main" }),
      oidcSubject(REPO, { kind: "environment", environment: "prod" }),
      oidcSubject(REPO, { kind: "environment", environment: "staging" }),
      oidcSubject(other, { kind: "environment", environment: "dev" }),
      oidcSubject({ ...REPO, name: "platform-fork" }, { kind: "environment", environment: "dev" }),
      "repo:acme/platform:environment:dev-evil",
    ]) {
      assert.equal(tokenMayAssume(role, sub), "ImplicitlyDenied", sub);
    }
    assert.equal(
      tokenMayAssume(role, "repo:acme/platform:environment:dev", "https://github.com/acme"),
      "ImplicitlyDenied",
      "another audience",
    );
  });

  it("lets pull requests and main's scheduled drift check assume a preview role, nothing else", async () => {
    const role = "acme-platform-prod-preview";
    assert.equal(tokenMayAssume(role, "repo:acme/platform:pull_request"), "Allowed");
    assert.equal(tokenMayAssume(role, "repo:acme/platform:ref:refs/heads/main"), "Allowed");
    for (const sub of [
      "repo:acme/platform:environment:prod",
      "repo:acme/platform:ref:refs/heads/feature",
      "repo:evil/platform:pull_request",
    ]) {
      assert.equal(tokenMayAssume(role, sub), "ImplicitlyDenied", sub);
    }
  });

  it("gives a preview role reads and its own stack's state, and no write of any kind", async () => {
    const role = "acme-platform-dev-preview";
    const allowed: Array<[string, string]> = [
      ["s3:GetObject", stateObject("dev")],
      ["s3:GetObject", `${BUCKET_ARN}/.pulumi/meta.yaml`],
      ["s3:ListBucket", BUCKET_ARN],
      ["ec2:DescribeVpcs", "*"],
      ["eks:DescribeCluster", `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/acme-dev`],
      ["iam:GetRole", roleArn("x")],
      ["states:DescribeStateMachine", `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:acme-dev`],
    ];
    for (const [action, resource] of allowed) {
      assert.equal(await roleMay(role, action, resource), "Allowed", `${action} ${resource}`);
    }
    const denied: Array<[string, string]> = [
      ["s3:PutObject", stateObject("dev")],
      ["s3:PutObject", `${BUCKET_ARN}/.pulumi/locks/acme-platform/dev/lock.json`],
      ["s3:DeleteObject", stateObject("dev")],
      ["s3:GetObject", stateObject("prod")],
      ["s3:GetObject", "arn:aws:s3:::some-data-bucket/report.csv"],
      ["s3:PutBucketPolicy", BUCKET_ARN],
      ["iam:CreateRole", roleArn("x")],
      ["iam:PutRolePolicy", roleArn(role)],
      ["iam:PassRole", roleArn("x")],
      ["ec2:RunInstances", `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/*`],
      ["ec2:CreateVpc", "*"],
      ["eks:CreateCluster", "*"],
      ["kms:Encrypt", "*"],
      ["kms:ScheduleKeyDeletion", "*"],
      ["dynamodb:GetItem", `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/requests`],
      // A workflow execution's input and output are data; polling an activity takes its task.
      ["states:DescribeExecution", `arn:aws:states:eu-west-1:${ACCOUNT}:execution:acme-dev:1`],
      ["states:GetExecutionHistory", `arn:aws:states:eu-west-1:${ACCOUNT}:execution:acme-dev:1`],
      ["states:GetActivityTask", `arn:aws:states:eu-west-1:${ACCOUNT}:activity:acme-dev`],
      ["sts:AssumeRole", roleArn("acme-platform-dev-deploy")],
    ];
    for (const [action, resource] of denied) {
      assert.notEqual(await roleMay(role, action, resource), "Allowed", `${action} ${resource}`);
    }
  });

  it("lets the dev deploy role write its own stack's state and locks, not another stack's", async () => {
    const role = "acme-platform-dev-deploy";
    assert.equal(await roleMay(role, "s3:PutObject", stateObject("dev")), "Allowed");
    assert.equal(
      await roleMay(role, "s3:PutObject", `${BUCKET_ARN}/.pulumi/locks/acme-platform/dev/l.json`),
      "Allowed",
    );
    // The deployer grants (s3:* for the program's buckets) would reach prod's state: denied.
    assert.equal(await roleMay(role, "s3:PutObject", stateObject("prod")), "ExplicitlyDenied");
    assert.equal(await roleMay(role, "s3:GetObject", stateObject("prod")), "ExplicitlyDenied");
    assert.equal(await roleMay(role, "iam:PutRolePolicy", roleArn(role)), "ExplicitlyDenied");
  });
});

describe("bootstrap configuration", () => {
  const valid: Record<string, string> = {
    "aws:region": "eu-west-1",
    "acme-bootstrap:github": JSON.stringify({ owner: "acme", repository: "platform" }),
    "acme-bootstrap:environments": JSON.stringify(["dev"]),
    "acme-bootstrap:stateBucket": JSON.stringify({ name: "acme-state" }),
  };
  const issues = (overrides: Record<string, string>): string[] => {
    try {
      parseBootstrapConfig({ ...valid, ...overrides });
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.issues.map((i) => i.key);
    }
    return [];
  };

  it("derives the subject format from the presence of the IDs", () => {
    assert.equal(parseBootstrapConfig(valid).github.subjectFormat, "legacy");
    const github = JSON.stringify({ owner: "acme", repository: "platform", ownerId: 1, repoId: 2 });
    assert.deepEqual(parseBootstrapConfig({ ...valid, "acme-bootstrap:github": github }).github, {
      owner: "acme",
      name: "platform",
      subjectFormat: "immutable",
      ownerId: 1,
      repoId: 2,
    });
  });

  it("refuses bad combinations and values, naming each key", () => {
    const gh = (v: Dict) => ({
      "acme-bootstrap:github": JSON.stringify({ owner: "acme", repository: "platform", ...v }),
    });
    assert.deepEqual(issues(gh({ subjectFormat: "legacy", ownerId: 1 })), [
      "acme-bootstrap:github.ownerId",
    ]);
    assert.deepEqual(issues(gh({ subjectFormat: "immutable" })), [
      "acme-bootstrap:github.ownerId",
      "acme-bootstrap:github.repoId",
    ]);
    assert.deepEqual(issues(gh({ repoId: 5 })), ["acme-bootstrap:github.ownerId"]);
    assert.deepEqual(issues(gh({ owner: "a/b" })), ["acme-bootstrap:github.owner"]);
    assert.deepEqual(
      issues({
        "acme-bootstrap:environments": JSON.stringify(["dev", "qa"]),
        "acme-bootstrap:stateBucket": JSON.stringify({ name: "Bad.Name" }),
        "acme-bootstrap:secretsKeyAlias": "alias/aws/s3",
        "acme-bootstrap:colour": "blue",
      }),
      [
        "acme-bootstrap:colour",
        "acme-bootstrap:environments.1",
        "acme-bootstrap:secretsKeyAlias",
        "acme-bootstrap:stateBucket.name",
      ],
    );
    assert.deepEqual(issues({ "acme-bootstrap:github": "" }), ["acme-bootstrap:github"]);
  });
});
