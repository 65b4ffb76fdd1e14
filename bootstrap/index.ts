/**
 * The bootstrap program, applied once per AWS account before any stack of the main project: the
 * Pulumi state bucket, the `awskms://` secrets key, GitHub's OIDC provider and the CI roles.
 * It reads the typed configuration, creates the components and exports what the operator copies
 * into `pulumi login`, `pulumi stack init` and the repository's GitHub variables (docs/bootstrap.md).
 */
import * as aws from "@pulumi/aws";
import type { AwsContext } from "../components/lib";
import { CiRoles } from "./ciRoles";
import { loadBootstrapConfig } from "./config";
import { ciRoleName, type CiRoleKind } from "./identities";
import { StateBackend } from "./stateBackend";

const config = loadBootstrapConfig();

const provider = new aws.Provider("aws", {
  region: config.region,
  defaultTags: { tags: { Project: "acme-bootstrap", ManagedBy: "pulumi" } },
});
const awsContext: AwsContext = {
  accountId: aws.getCallerIdentityOutput({}, { provider }).accountId,
  partition: aws.getPartitionOutput({}, { provider }).partition,
  region: config.region,
};

const backend = new StateBackend(
  "pulumi-state",
  {
    ...awsContext,
    bucketName: config.stateBucket.name,
    noncurrentVersionExpirationDays: config.stateBucket.noncurrentVersionExpirationDays,
    newerNoncurrentVersions: config.stateBucket.newerNoncurrentVersions,
    abortIncompleteMultipartUploadDays: config.stateBucket.abortIncompleteMultipartUploadDays,
    secretsKeyAlias: config.secretsKeyAlias,
    keyDeletionWindowInDays: config.keyDeletionWindowInDays,
  },
  { providers: [provider] },
);

const ci = new CiRoles(
  "ci",
  {
    ...awsContext,
    repository: config.github,
    environments: config.environments,
    stateBackend: backend,
    devKafkaClusterName: config.devKafkaClusterName,
  },
  { providers: [provider] },
);

/** `pulumi login <backendUrl>`. */
export const backendUrl = backend.backendUrl;
/** `pulumi stack init <stack> --secrets-provider=<secretsProvider>`. */
export const secretsProvider = backend.secretsProvider;
export const stateBucketName = backend.bucketName;
export const stateKeyArn = backend.stateKeyArn;
export const secretsKeyArn = backend.secretsKeyArn;
export const githubOidcProviderArn = ci.oidcProviderArn;
/**
 * The CI roles, `{ <env>: { preview: <arn>, deploy?: <arn> } }`. The workflows build the same ARNs
 * from the `AWS_ACCOUNT_ID` variable and the role names (README.md, "How CI works").
 */
export const ciRoleArns = ci.roleArns;
/** The role names the ARNs end with (bootstrap/identities.ts `ciRoleName`). */
export const ciRoleNames = Object.fromEntries(
  Object.entries(ci.roleArns).map(([env, kinds]) => [
    env,
    Object.fromEntries(
      Object.keys(kinds).map((kind) => [
        kind,
        ciRoleName(env as (typeof config.environments)[number], kind as CiRoleKind),
      ]),
    ),
  ]),
);
