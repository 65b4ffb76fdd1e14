/**
 * The in-VPC deployer: a CodeBuild project in the private subnets that acts as a GitHub Actions
 * self-hosted runner, so `pulumi up` runs where the private Kubernetes API endpoint and the Kafka
 * brokers are reachable (docs/first-deployment.md).
 *
 * CodeBuild-hosted runners: the project's webhook receives GitHub's `workflow_job` events
 * (`WORKFLOW_JOB_QUEUED`) and starts one build per queued job whose `runs-on` names
 * `codebuild-<project>-${{ github.run_id }}-${{ github.run_attempt }}`; the build registers itself
 * as an ephemeral runner and runs the job's steps.
 * https://docs.aws.amazon.com/codebuild/latest/userguide/action-runner.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PUSH_TO_CLOUDWATCH_POLICY } from "../api/apiGateway";
import {
  type AwsContext,
  LOG_RETENTION_DAYS,
  POD_IDENTITY_SERVICE_PRINCIPAL,
  policyDocument,
  type PolicyStatement,
  serviceTrustPolicy,
  throwIfInvalid,
  type ValidationError,
} from "../lib";
import { EKS_MANAGED_POLICIES } from "./eks";

/** The GitHub repository whose workflow jobs the deployer runs. */
export interface DeployerRepository {
  /** The owner (user or organisation), e.g. `acme`. */
  owner: string;
  /** The repository name, e.g. `platform`. */
  name: string;
  /**
   * The AWS CodeConnections connection to GitHub, created once per account in the console
   * (a connection is created PENDING and a person must authorise the GitHub App, so it cannot be
   * created by this program). https://docs.aws.amazon.com/dtconsole/latest/userguide/connections-create-github.html
   */
  connectionArn: string;
  /**
   * The only GitHub Actions workflow (its `name:`) whose jobs the runner accepts; the webhook's
   * `WORKFLOW_NAME` filter drops every other workflow's queued jobs.
   * https://docs.aws.amazon.com/codebuild/latest/APIReference/API_WebhookFilter.html
   */
  workflowName: string;
}

/** Arguments of {@link Deployer}. */
export interface DeployerArgs extends AwsContext {
  /**
   * The CodeBuild project name (physical: the runner label `codebuild-<projectName>-...` in the
   * workflow and the role's trust condition are built from it).
   */
  projectName: string;
  vpcId: pulumi.Input<string>;
  /** Private subnets (with a NAT route: the runner reaches GitHub and AWS APIs over HTTPS). */
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The VPC's CIDR block: the brokers (9098) live in its private subnets. */
  vpcCidrBlock: pulumi.Input<string>;
  repository: DeployerRepository;
  /** The EKS cluster the deployer administers (its access entry is made by EksCluster). */
  clusterName: string;
  /**
   * The MSK cluster whose topics the deployer manages through the Kafka admin API; its
   * `kafka-cluster:*` permissions are scoped to this cluster's ARNs.
   */
  kafkaClusterName: string;
  /** Key of the build log group (the platform's logs key). */
  logsKeyArn: pulumi.Input<string>;
  /** Retention of the build log group, in days. */
  logRetentionInDays: number;
  /**
   * CodeBuild compute type.
   * @default "BUILD_GENERAL1_MEDIUM" (7 GB: `tsc` and the Pulumi engine of this program fit)
   */
  computeType?: string;
  /**
   * The build image (runs the runner; the workflow installs Node and the Pulumi CLI).
   * @default "aws/codebuild/amazonlinux-x86_64-standard:5.0"
   */
  image?: string;
  /**
   * Minutes a build (one workflow job) may run; a first `pulumi up` waits for MSK (about 30
   * minutes) and EKS (about 15).
   * @default 120
   */
  buildTimeoutMinutes?: number;
  /** Protect the build log group from `pulumi destroy`. */
  protect?: boolean;
}

/** The compute types of Linux container projects. https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-compute-types.html */
const COMPUTE_TYPES = [
  "BUILD_GENERAL1_SMALL",
  "BUILD_GENERAL1_MEDIUM",
  "BUILD_GENERAL1_LARGE",
  "BUILD_GENERAL1_XLARGE",
  "BUILD_GENERAL1_2XLARGE",
];

/**
 * The services this program creates resources in, so the actions `pulumi up` needs. Listed by
 * service because the program's resources change with every component; each entry names why.
 * (`iam` is not here: it is granted separately, narrower, below.)
 */
export const DEPLOYER_SERVICES: Readonly<Record<string, string>> = {
  ec2: "VPC, subnets, NAT, endpoints, security groups, launch templates, flow logs",
  eks: "the cluster, node groups, add-ons, access entries, Pod Identity associations",
  kms: "the platform keys and their aliases; grants for encrypted volumes and logs",
  logs: "log groups of the control plane, flow logs, MSK, CodeBuild",
  kafka: "the MSK cluster, its configuration and (msk-api mode) its topics",
  sqs: "the work and task queues, their dead-letter queues and the events bridge queue",
  dynamodb: "Service A's request table",
  ecr: "the services' image repositories, and the image pushes of their builds",
  sns: "the alarm and heartbeat topics",
  s3: "the workflow artifact bucket",
  cloudwatch: "the alarms that page when in-cluster monitoring is down",
  pipes: "the MSK -> SQS EventBridge pipe",
  apigateway: "the REST API, its stage, integrations, VPC link (v2), domain and account log role",
  "cognito-idp": "the user pool, its domain, resource servers and the API's client",
  wafv2: "the API's web ACL, its association and logging",
  acm: "the certificates of the internal load balancer and the API's custom domain",
  route53: "the certificates' DNS validation records and the custom domain's alias",
  elasticloadbalancing: "the internal load balancer, its listener and target group",
  "application-autoscaling": "MSK broker storage autoscaling",
  codebuild: "this deployer itself",
  states: "the Step Functions engine's state machine (workflows.engine step-functions)",
  ecs: "the Step Functions engine's Fargate cluster and step task definitions (stepRunner fargate)",
};

/**
 * Services the roles this program creates are passed to (their trust policies): `iam:PassRole`
 * is allowed only towards these. A new component whose role trusts another service adds it here.
 */
export const DEPLOYER_PASSED_TO_SERVICES = [
  "eks.amazonaws.com",
  "ec2.amazonaws.com",
  POD_IDENTITY_SERVICE_PRINCIPAL,
  "vpc-flow-logs.amazonaws.com",
  "pipes.amazonaws.com",
  "codebuild.amazonaws.com",
  "apigateway.amazonaws.com",
  "states.amazonaws.com",
  "ecs-tasks.amazonaws.com",
] as const;

/** Service-linked roles the first deployment in an account creates through these services. */
export const DEPLOYER_SERVICE_LINKED_ROLES = [
  "eks.amazonaws.com",
  "eks-nodegroup.amazonaws.com",
  "autoscaling.amazonaws.com",
  "kafka.amazonaws.com",
  "delivery.logs.amazonaws.com",
  "kafka.application-autoscaling.amazonaws.com",
  // AWSServiceRoleForECS: the first ECS cluster in an account creates it (Fargate steps).
  "ecs.amazonaws.com",
] as const;

/**
 * AWS managed policies the program attaches to its roles; `iam:AttachRolePolicy` accepts only
 * these (so the deployer cannot attach AdministratorAccess to a role it creates).
 */
export const DEPLOYER_ATTACHABLE_POLICIES: readonly string[] = [
  EKS_MANAGED_POLICIES.cluster,
  ...EKS_MANAGED_POLICIES.node,
  EKS_MANAGED_POLICIES.ebsCsi,
  PUSH_TO_CLOUDWATCH_POLICY,
];

/** Validates {@link DeployerArgs}; returns every problem. */
export function validateDeployerArgs(args: DeployerArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  // CodeBuild project names: 2 to 255 of letters, digits, '-' and '_', starting alphanumeric.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$/.test(args.projectName)) {
    add(
      "projectName",
      "must be 2-255 letters, digits, '-' or '_', starting with a letter or digit",
    );
  }
  if (!/^[A-Za-z0-9-]+$/.test(args.repository.owner)) {
    add("repository.owner", "must be a GitHub user or organisation name");
  }
  if (!/^[A-Za-z0-9._-]+$/.test(args.repository.name)) {
    add("repository.name", "must be a GitHub repository name");
  }
  if (
    !/^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/.test(
      args.repository.connectionArn,
    )
  ) {
    add(
      "repository.connectionArn",
      "must be a CodeConnections ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>)",
    );
  }
  if (args.repository.workflowName.trim() === "") {
    add("repository.workflowName", "must name the deploy workflow");
  }
  const compute = args.computeType ?? "BUILD_GENERAL1_MEDIUM";
  if (!COMPUTE_TYPES.includes(compute)) {
    add("computeType", `must be one of ${COMPUTE_TYPES.join(", ")} (got ${compute})`);
  }
  const timeout = args.buildTimeoutMinutes ?? 120;
  if (!Number.isInteger(timeout) || timeout < 5 || timeout > 2160) {
    add("buildTimeoutMinutes", `must be a whole number from 5 to 2160 (got ${timeout})`);
  }
  if (!LOG_RETENTION_DAYS.includes(args.logRetentionInDays)) {
    add("logRetentionInDays", `${args.logRetentionInDays} is not a CloudWatch Logs retention`);
  }
  return errors;
}

/** Escapes a literal for a webhook filter's regular expression. */
function exactly(text: string): string {
  return `^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
}

/**
 * The identity policy of the deployer's role: what `pulumi up` of this program needs.
 *
 * What is broad, and why: the program creates resources in the services of
 * {@link DEPLOYER_SERVICES}; their actions are granted on `*` because most create calls take no
 * resource ARN that exists before the call and Pulumi auto-names resources. Narrowed where the
 * escalation risk is: IAM (roles only, managed policies only from
 * {@link DEPLOYER_ATTACHABLE_POLICIES}, roles passed only to {@link DEPLOYER_PASSED_TO_SERVICES},
 * no users, no access keys), Kafka data-plane access (this cluster's topics and groups only).
 * An inline role policy can still say anything: that is the residual power of any IaC deployer,
 * and why only the reviewed deploy workflow may run on it (the webhook filter) and changes to
 * this policy are applied from outside (the deployer cannot change its own role).
 */
export function deployerPolicyStatements(p: {
  partition: pulumi.Input<string>;
  region: string;
  accountId: pulumi.Input<string>;
  kafkaClusterName: string;
  roleArn: pulumi.Input<string>;
}): PolicyStatement[] {
  const iamArn = (resource: string) =>
    pulumi.interpolate`arn:${p.partition}:iam::${p.accountId}:${resource}`;
  const kafkaArn = (kind: string) =>
    pulumi.interpolate`arn:${p.partition}:kafka:${p.region}:${p.accountId}:${kind}/${p.kafkaClusterName}/*`;
  return [
    {
      Sid: "ProgramServices",
      Effect: "Allow",
      Action: Object.keys(DEPLOYER_SERVICES).map((service) => `${service}:*`),
      Resource: "*",
    },
    { Sid: "WhoAmI", Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*" },
    {
      Sid: "ManageRolesAndTheirInlinePolicies",
      Effect: "Allow",
      Action: [
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:GetRole",
        "iam:UpdateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:ListRoleTags",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:GetRolePolicy",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
      ],
      Resource: iamArn("role/*"),
    },
    {
      Sid: "AttachOnlyTheProgramsManagedPolicies",
      Effect: "Allow",
      Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
      Resource: iamArn("role/*"),
      Condition: {
        ArnEquals: {
          "iam:PolicyARN": DEPLOYER_ATTACHABLE_POLICIES.map(
            (name) => pulumi.interpolate`arn:${p.partition}:iam::aws:policy/${name}`,
          ),
        },
      },
    },
    {
      Sid: "PassRolesOnlyToTheProgramsServices",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: iamArn("role/*"),
      Condition: { StringEquals: { "iam:PassedToService": [...DEPLOYER_PASSED_TO_SERVICES] } },
    },
    {
      Sid: "FirstDeploymentServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: iamArn("role/aws-service-role/*"),
      Condition: { StringEquals: { "iam:AWSServiceName": [...DEPLOYER_SERVICE_LINKED_ROLES] } },
    },
    {
      Sid: "TopicsThroughTheKafkaAdminApi",
      Effect: "Allow",
      Action: [
        "kafka-cluster:Connect",
        "kafka-cluster:DescribeCluster",
        "kafka-cluster:CreateTopic",
        "kafka-cluster:DeleteTopic",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:AlterTopic",
        "kafka-cluster:DescribeTopicDynamicConfiguration",
        "kafka-cluster:AlterTopicDynamicConfiguration",
        "kafka-cluster:DescribeGroup",
      ],
      Resource: [kafkaArn("cluster"), kafkaArn("topic"), kafkaArn("group")],
    },
    {
      // The deployer must not widen its own permissions: its role is changed from outside.
      Sid: "NotItsOwnRole",
      Effect: "Deny",
      Action: [
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRole",
      ],
      Resource: p.roleArn,
    },
  ];
}

/** The CodeBuild project of `environment`'s deployer (index.ts names it; CI's `runs-on` derives from it). */
export function deployerProjectName(environment: string): string {
  return `acme-${environment}-deployer`;
}

/**
 * The `runs-on` label of a GitHub Actions job that runs on the deployer project `projectName`: the
 * build registers itself under it as an ephemeral runner.
 */
export function deployerRunnerLabel(projectName: string): string {
  return `codebuild-${projectName}-\${{ github.run_id }}-\${{ github.run_attempt }}`;
}

/**
 * A GitHub Actions runner inside the VPC: CodeBuild project in the private subnets, its security
 * group (egress only), its role and its KMS-encrypted log group. The EKS access entry and the
 * control-plane and broker security group rules that admit it are made by `EksCluster` and
 * `KafkaCluster` from {@link Deployer.roleArn} and {@link Deployer.securityGroupId}.
 */
export class Deployer extends pulumi.ComponentResource {
  public readonly projectName: pulumi.Output<string>;
  public readonly projectArn: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  /** The `runs-on` label of a job that should run on this deployer. */
  public readonly runnerLabel: string;

  constructor(name: string, args: DeployerArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfInvalid("Deployer", validateDeployerArgs(args));
    super("acme:cluster:Deployer", name, {}, opts);

    const protect = args.protect ?? false;
    const projectArn = pulumi.interpolate`arn:${args.partition}:codebuild:${args.region}:${args.accountId}:project/${args.projectName}`;

    // Egress only; nothing connects to a runner. Security groups do not filter DNS to the VPC
    // resolver (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html).
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-deployer`,
      { vpcId: args.vpcId, description: `In-VPC deployer ${args.projectName} (egress only)` },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-https-out`,
      {
        securityGroupId: securityGroup.id,
        // GitHub (runner registration, checkout), AWS APIs through NAT or interface endpoints,
        // the private Kubernetes API endpoint, the npm registry and the Pulumi backend: all 443,
        // several outside the VPC with addresses that change.
        description: "HTTPS: GitHub, AWS APIs, the Kubernetes API, package registries",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-kafka-out`,
      {
        securityGroupId: securityGroup.id,
        description: "Kafka SASL/IAM to the brokers in the VPC (topic management)",
        ipProtocol: "tcp",
        fromPort: 9098,
        toPort: 9098,
        cidrIpv4: args.vpcCidrBlock,
      },
      { parent: this },
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-deployer`,
      {
        name: `/aws/codebuild/${args.projectName}`,
        kmsKeyId: args.logsKeyArn,
        retentionInDays: args.logRetentionInDays,
      },
      { parent: this, protect },
    );

    // Only CodeBuild, and only for this project of this account (confused-deputy protection:
    // https://docs.aws.amazon.com/codebuild/latest/userguide/cross-service-confused-deputy-prevention.html).
    const role = new aws.iam.Role(
      `${name}-deployer`,
      {
        description: `In-VPC deployer ${args.projectName}: runs pulumi up`,
        assumeRolePolicy: serviceTrustPolicy("codebuild.amazonaws.com", {
          condition: {
            StringEquals: { "aws:SourceAccount": args.accountId },
            ArnEquals: { "aws:SourceArn": projectArn },
          },
        }),
        maxSessionDuration: 3600,
      },
      { parent: this },
    );

    // What CodeBuild itself needs to run the project: its logs, the ENIs in the VPC, the GitHub
    // connection. https://docs.aws.amazon.com/codebuild/latest/userguide/auth-and-access-control-iam-identity-based-access-control.html#customer-managed-policies-example-create-vpc-network-interface
    const runnerPolicy = new aws.iam.RolePolicy(
      `${name}-deployer-runner`,
      {
        role: role.id,
        policy: policyDocument([
          {
            Sid: "BuildLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: pulumi.interpolate`${logGroup.arn}:*`,
          },
          {
            Sid: "VpcNetworkInterfaces",
            Effect: "Allow",
            Action: [
              "ec2:CreateNetworkInterface",
              "ec2:DescribeDhcpOptions",
              "ec2:DescribeNetworkInterfaces",
              "ec2:DeleteNetworkInterface",
              "ec2:DescribeSubnets",
              "ec2:DescribeSecurityGroups",
              "ec2:DescribeVpcs",
            ],
            Resource: "*",
          },
          {
            Sid: "NetworkInterfacePermissionForCodeBuildOnly",
            Effect: "Allow",
            Action: "ec2:CreateNetworkInterfacePermission",
            Resource: pulumi.interpolate`arn:${args.partition}:ec2:${args.region}:${args.accountId}:network-interface/*`,
            Condition: { StringEquals: { "ec2:AuthorizedService": "codebuild.amazonaws.com" } },
          },
          {
            Sid: "GitHubConnection",
            Effect: "Allow",
            Action: [
              "codeconnections:GetConnectionToken",
              "codeconnections:GetConnection",
              "codeconnections:UseConnection",
              "codestar-connections:GetConnectionToken",
              "codestar-connections:GetConnection",
              "codestar-connections:UseConnection",
            ],
            Resource: args.repository.connectionArn,
          },
        ]),
      },
      { parent: this },
    );
    const deployPolicy = new aws.iam.RolePolicy(
      `${name}-deployer-deploy`,
      {
        role: role.id,
        policy: policyDocument(
          deployerPolicyStatements({
            partition: args.partition,
            region: args.region,
            accountId: args.accountId,
            kafkaClusterName: args.kafkaClusterName,
            roleArn: role.arn,
          }),
        ),
      },
      { parent: this },
    );

    const project = new aws.codebuild.Project(
      `${name}-deployer`,
      {
        name: args.projectName,
        description: `GitHub Actions runner in the VPC for ${args.repository.owner}/${args.repository.name}: runs pulumi up`,
        serviceRole: role.arn,
        source: {
          type: "GITHUB",
          location: `https://github.com/${args.repository.owner}/${args.repository.name}.git`,
          auth: { type: "CODECONNECTIONS", resource: args.repository.connectionArn },
        },
        artifacts: { type: "NO_ARTIFACTS" },
        environment: {
          type: "LINUX_CONTAINER",
          computeType: args.computeType ?? "BUILD_GENERAL1_MEDIUM",
          image: args.image ?? "aws/codebuild/amazonlinux-x86_64-standard:5.0",
          imagePullCredentialsType: "CODEBUILD",
          // `pulumi up` builds the services' images (Microservice, @pulumi/docker-build), which
          // needs the Docker daemon CodeBuild starts only in privileged mode. FSBP CodeBuild.5
          // advises against it; each build runs in its own CodeBuild VM, and the runner's role can
          // deploy the stack anyway, so the daemon adds no reach (docs/cluster.md, "The deployer").
          privilegedMode: true,
        },
        vpcConfig: {
          vpcId: args.vpcId,
          subnets: args.privateSubnetIds,
          securityGroupIds: [securityGroup.id],
        },
        logsConfig: {
          cloudwatchLogs: { status: "ENABLED", groupName: logGroup.name },
          s3Logs: { status: "DISABLED" },
        },
        buildTimeout: args.buildTimeoutMinutes ?? 120,
        queuedTimeout: 60,
        // One deployment at a time; the Pulumi stack lock would refuse a second anyway.
        concurrentBuildLimit: 1,
      },
      // The role must be able to create ENIs before CodeBuild validates the VPC config.
      { parent: this, dependsOn: [runnerPolicy, deployPolicy] },
    );

    new aws.codebuild.Webhook(
      `${name}-deployer`,
      {
        projectName: project.name,
        buildType: "BUILD",
        filterGroups: [
          {
            filters: [
              { type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" },
              { type: "WORKFLOW_NAME", pattern: exactly(args.repository.workflowName) },
            ],
          },
        ],
      },
      { parent: this },
    );

    this.projectName = project.name;
    this.projectArn = project.arn;
    this.roleArn = role.arn;
    this.securityGroupId = securityGroup.id;
    this.logGroupName = logGroup.name;
    this.runnerLabel = deployerRunnerLabel(args.projectName);
    this.registerOutputs({
      projectName: this.projectName,
      projectArn: this.projectArn,
      roleArn: this.roleArn,
      securityGroupId: this.securityGroupId,
      logGroupName: this.logGroupName,
    });
  }
}
