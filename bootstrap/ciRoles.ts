/**
 * GitHub Actions' OIDC provider and the CI roles of each environment: a preview role (read-only
 * plus its stack's state) and, where {@link hasDeployRole}, a deploy role. Each trusts exactly the
 * subjects of `ciRoleSubjects` (bootstrap/identities.ts) with `aud` = sts.amazonaws.com.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOYER_SERVICES, deployerPolicyStatements } from "../components/cluster/deployer";
import { type AwsContext, policyDocument, type PolicyStatement } from "../components/lib";
import {
  CI_ENVIRONMENTS,
  ciRoleName,
  ciRoleSubjects,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  GITHUB_OIDC_URL,
  hasDeployRole,
  type CiEnvironment,
  type CiRoleKind,
  type GithubRepository,
} from "./identities";
import { stackStateKeys, type StateBackend } from "./stateBackend";

/** The main project, whose stacks' state the CI roles read and write. */
export const MAIN_PROJECT = "acme-platform";

/**
 * Data-plane reads that `Describe*`/`Get*` would otherwise include; a preview reads configuration,
 * not data. `states:GetActivityTask` is an activity worker's poll: it takes the task.
 */
export const PREVIEW_DENIED_DATA_READS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "states:DescribeExecution",
  "states:GetExecutionHistory",
  "states:GetActivityTask",
  "logs:GetLogEvents",
  "logs:GetLogRecord",
  "logs:GetQueryResults",
  "ecr:GetDownloadUrlForLayer",
];

/**
 * What a preview (and `preview --refresh`) reads: the configuration of every service the program
 * creates resources in (`DEPLOYER_SERVICES`, the same list the deployer's role is built from) and
 * of IAM. No write action of any service; the data reads `Get*` covers are denied, and so is
 * every S3 object but this stack's state.
 */
export function previewReadStatements(ownStateObjects: pulumi.Input<string>[]): PolicyStatement[] {
  const read = Object.keys(DEPLOYER_SERVICES).flatMap((service) =>
    // API Gateway's IAM actions are HTTP verbs: GET is reading.
    service === "apigateway"
      ? ["apigateway:GET"]
      : [`${service}:Describe*`, `${service}:Get*`, `${service}:List*`],
  );
  return [
    {
      Sid: "ReadTheProgramsServices",
      Effect: "Allow",
      Action: [...read, "iam:Get*", "iam:List*", "sts:GetCallerIdentity"],
      Resource: "*",
    },
    { Sid: "NoDataReads", Effect: "Deny", Action: PREVIEW_DENIED_DATA_READS, Resource: "*" },
    ...otherStacksStateDenied(ownStateObjects),
  ];
}

/**
 * Denies reading any S3 object but `ownObjects` (this stack's state): other stacks' state in the
 * same bucket, and the data of every other bucket. IAM cannot combine `Resource` with
 * `NotResource`, hence the statement type widened here.
 */
function otherStacksStateDenied(ownObjects: pulumi.Input<string>[]): PolicyStatement[] {
  const statement: Omit<PolicyStatement, "Resource"> & { NotResource: pulumi.Input<string>[] } = {
    Sid: "NoObjectReadsButThisStacksState",
    Effect: "Deny",
    Action: "s3:GetObject*",
    NotResource: ownObjects,
  };
  return [statement];
}

/**
 * Denies the deploy role of `env` every object of the other environments' stacks (the deployer
 * grants it reuses allow `s3:*` on `*` for the program's own buckets).
 */
export function otherEnvironmentsStateDenied(
  stateBucketArn: pulumi.Input<string>,
  env: CiEnvironment,
): PolicyStatement {
  const others = CI_ENVIRONMENTS.filter((e) => e !== env).flatMap((e) => {
    const keys = stackStateKeys(MAIN_PROJECT, e);
    return [keys.checkpoint, keys.history, keys.backups, keys.locks];
  });
  return {
    Sid: "NotOtherEnvironmentsState",
    Effect: "Deny",
    Action: "s3:*",
    Resource: others.map((k) => pulumi.interpolate`${stateBucketArn}/${k}`),
  };
}

/** The trust policy of a CI role: GitHub's OIDC provider, this audience, exactly these subjects. */
export function githubTrustPolicy(
  providerArn: pulumi.Input<string>,
  subjects: string[],
): pulumi.Output<string> {
  return policyDocument([
    {
      Sid: "GitHubActionsOfThisRepository",
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? subjects[0] : subjects,
        },
      },
    },
  ]);
}

/** Arguments of {@link CiRoles}. */
export interface CiRolesArgs extends AwsContext {
  repository: GithubRepository;
  environments: CiEnvironment[];
  stateBackend: StateBackend;
  /** The dev stack's MSK cluster name (the deploy role's Kafka data-plane scope). */
  devKafkaClusterName: string;
}

/** The OIDC provider and every CI role. */
export class CiRoles extends pulumi.ComponentResource {
  public readonly oidcProviderArn: pulumi.Output<string>;
  /** Role ARNs by environment and kind (`deploy` only where the environment has one). */
  public readonly roleArns: Record<string, Partial<Record<CiRoleKind, pulumi.Output<string>>>>;

  constructor(name: string, args: CiRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("acme:bootstrap:CiRoles", name, {}, opts);
    const provider = new aws.iam.OpenIdConnectProvider(
      `${name}-github`,
      { url: GITHUB_OIDC_URL, clientIdLists: [GITHUB_OIDC_AUDIENCE] },
      { parent: this },
    );
    this.oidcProviderArn = provider.arn;
    this.roleArns = {};
    const state = args.stateBackend;
    for (const env of args.environments) {
      this.roleArns[env] = {};
      const kinds: CiRoleKind[] = hasDeployRole(env) ? ["preview", "deploy"] : ["preview"];
      for (const kind of kinds) {
        const roleName = ciRoleName(env, kind);
        const role = new aws.iam.Role(
          `${name}-${env}-${kind}`,
          {
            name: roleName,
            description: `CI ${kind} of the ${env} stack (GitHub Actions OIDC)`,
            assumeRolePolicy: githubTrustPolicy(
              provider.arn,
              ciRoleSubjects(args.repository, env, kind),
            ),
            maxSessionDuration: 3600,
          },
          { parent: this },
        );
        const keys = stackStateKeys(MAIN_PROJECT, env);
        const statements =
          kind === "preview"
            ? [
                ...previewReadStatements(
                  [keys.meta, keys.checkpoint].map(
                    (k) => pulumi.interpolate`${state.bucketArn}/${k}`,
                  ),
                ),
                ...state.grantStackRead(MAIN_PROJECT, env),
              ]
            : [
                ...deployerPolicyStatements({
                  partition: args.partition,
                  region: args.region,
                  accountId: args.accountId,
                  kafkaClusterName: args.devKafkaClusterName,
                  roleArn: role.arn,
                }),
                ...state.grantStackReadWrite(MAIN_PROJECT, env),
                otherEnvironmentsStateDenied(state.bucketArn, env),
              ];
        new aws.iam.RolePolicy(
          `${name}-${env}-${kind}`,
          { role: role.name, policy: policyDocument(statements) },
          { parent: this },
        );
        this.roleArns[env][kind] = role.arn;
      }
    }
    this.registerOutputs({ oidcProviderArn: this.oidcProviderArn });
  }
}
