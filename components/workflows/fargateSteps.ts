/**
 * Where the Step Functions engine's `fargate` runner runs a workflow's steps: an ECS cluster, one
 * task definition per step (engines/ecs.ts), the roles the tasks run with, their security group
 * and their encrypted log group. The compiler takes {@link FargateSteps.target}; the engine's role
 * gets {@link fargateRunStatements}.
 *
 * Why Fargate and not the cluster: Step Functions' EKS integration "supports only Kubernetes APIs
 * with public endpoint access" (https://docs.aws.amazon.com/step-functions/latest/dg/connect-eks.html);
 * staging and prod keep the endpoint private (EKS.1) and dev admits only its operator's /32s.
 * A Fargate task runs the same image with the same arguments, uid and read-only root in the same
 * private subnets, and its task role carries the grants the step's service account has on EKS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  LOG_RETENTION_DAYS,
  policyDocument,
  type PolicyStatement,
  serviceTrustPolicy,
  throwIfInvalid,
  type ValidationError,
} from "../lib";
import type { ImagePlatform } from "../services/microservice";
import { allSteps, type WorkflowDefinition } from "./definition";
import { fargateContainer, fargateSize } from "./engines/ecs";
import { type FargateTaskRunner, StepRunner } from "./engines/stepFunctions";

/** The ECS task role trust's service principal. */
const ECS_TASKS = "ecs-tasks.amazonaws.com";

/** Arguments of {@link FargateSteps}. */
export interface FargateStepsArgs extends AwsContext {
  /** The workflow whose steps (and on-failure step) get a task definition each. */
  workflow: WorkflowDefinition;
  vpcId: pulumi.Input<string>;
  /** The private subnets the tasks run in; they get no public address. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * For each service account the steps name, the statements its task role gets: the same grants
   * the account has through EKS Pod Identity (e.g. the task queue's producer grant).
   */
  taskRoleStatements: Record<string, PolicyStatement[]>;
  /** The logs key ARN; it encrypts the steps' log group. */
  logsKeyArn: pulumi.Input<string>;
  logRetentionInDays: number;
  /** Protect the log group from `pulumi destroy`. */
  protect?: boolean;
  /**
   * The architecture the steps' images are built for (`Microservice.platform` of the image's
   * service): the tasks run on Fargate's matching CPU, or an image would fail with an exec format
   * error. @default "linux/amd64"
   */
  platform?: ImagePlatform;
}

/** Fargate's `runtimePlatform.cpuArchitecture` for an image platform. */
export const FARGATE_CPU_ARCHITECTURE: Readonly<Record<ImagePlatform, string>> = {
  "linux/amd64": "X86_64",
  "linux/arm64": "ARM64",
};

/** Validates {@link FargateStepsArgs}; returns every problem. */
export function validateFargateStepsArgs(args: FargateStepsArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  for (const step of allSteps(args.workflow)) {
    if (!args.taskRoleStatements[step.serviceAccountName]) {
      add(
        `taskRoleStatements.${step.serviceAccountName}`,
        `step "${step.name}" runs as service account "${step.serviceAccountName}"; give its task role the statements that account has (an empty list for none)`,
      );
    }
    if (fargateSize(step.resources) === undefined) {
      add(
        `workflow.steps.${step.name}.resources`,
        `cpu ${step.resources.cpu} and memory ${step.resources.memory} fit no Fargate task size`,
      );
    }
  }
  if (args.platform !== undefined && !(args.platform in FARGATE_CPU_ARCHITECTURE)) {
    add(
      "platform",
      `"${String(args.platform)}" is not an image platform; use ${Object.keys(FARGATE_CPU_ARCHITECTURE).join(" or ")}`,
    );
  }
  if (Array.isArray(args.subnetIds) && args.subnetIds.length === 0) {
    add("subnetIds", "must name at least one private subnet");
  }
  if (!LOG_RETENTION_DAYS.includes(args.logRetentionInDays)) {
    add(
      "logRetentionInDays",
      `${args.logRetentionInDays} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}`,
    );
  }
  return errors;
}

/**
 * ECS cluster + task definitions + task and execution roles + security group + log group for a
 * workflow's steps on Fargate (`acme:workflows:FargateSteps`).
 *
 * - Cluster `<name>`, Container Insights on.
 * - Log group `/aws/ecs/<name>-…`, encrypted with the logs key.
 * - Per step, task definition `<name>-<step>`: Fargate, `awsvpc`, the smallest size holding the
 *   step's requests, the container of engines/ecs.ts, the task role of its service account.
 * - Execution role: pulls images from this account's ECR and writes to the log group; nothing else.
 * - Task roles, one per service account: trusted by ECS tasks of this account only.
 * - Security group: no ingress; egress HTTPS only (AWS APIs through the interface endpoints or NAT).
 */
export class FargateSteps extends pulumi.ComponentResource {
  public readonly clusterArn: pulumi.Output<string>;
  public readonly clusterName: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly executionRoleArn: pulumi.Output<string>;
  /** Task role ARN by service account. */
  public readonly taskRoleArns: Record<string, pulumi.Output<string>>;
  /** Task definition ARN (with revision) by step. */
  public readonly taskDefinitionArns: Record<string, pulumi.Output<string>>;
  /** What the compiler's `fargate` runner takes. */
  public readonly target: FargateTaskRunner;

  constructor(name: string, args: FargateStepsArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfInvalid("FargateSteps", validateFargateStepsArgs(args));
    super("acme:workflows:FargateSteps", name, {}, opts);
    const { accountId, partition, region } = args;

    const cluster = new aws.ecs.Cluster(
      name,
      { name, settings: [{ name: "containerInsights", value: "enabled" }] },
      { parent: this },
    );
    const logs = new aws.cloudwatch.LogGroup(
      name,
      {
        namePrefix: `/aws/ecs/${name}-`,
        kmsKeyId: args.logsKeyArn,
        retentionInDays: args.logRetentionInDays,
      },
      { parent: this, protect: args.protect },
    );

    // Confused-deputy protection: ECS sends the account and the task's ARN.
    const tasksTrust = serviceTrustPolicy(ECS_TASKS, {
      condition: {
        StringEquals: { "aws:SourceAccount": accountId },
        ArnLike: {
          "aws:SourceArn": pulumi.interpolate`arn:${partition}:ecs:${region}:${accountId}:*`,
        },
      },
    });
    const executionRole = new aws.iam.Role(
      `${name}-execution`,
      {
        description: `ECS: pulls the images of ${name}'s workflow steps and writes their logs`,
        assumeRolePolicy: tasksTrust,
      },
      { parent: this },
    );
    const executionPolicy = new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: executionRole.id,
        policy: policyDocument([
          {
            // GetAuthorizationToken takes no resource.
            Sid: "EcrLogin",
            Effect: "Allow",
            Action: "ecr:GetAuthorizationToken",
            Resource: "*",
          },
          {
            Sid: "PullFromThisAccount",
            Effect: "Allow",
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Resource: pulumi.interpolate`arn:${partition}:ecr:${region}:${accountId}:repository/*`,
          },
          {
            Sid: "WriteStepLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: pulumi.interpolate`${logs.arn}:*`,
          },
        ]),
      },
      { parent: this },
    );

    const accounts = [...new Set(allSteps(args.workflow).map((s) => s.serviceAccountName))];
    const taskRoles = Object.fromEntries(
      accounts.map((account) => {
        const role = new aws.iam.Role(
          `${name}-${account}`,
          {
            description: `ECS: ${name}'s steps that run as service account ${account} on EKS`,
            assumeRolePolicy: tasksTrust,
          },
          { parent: this },
        );
        const statements = args.taskRoleStatements[account];
        if (statements.length > 0) {
          new aws.iam.RolePolicy(
            `${name}-${account}`,
            { role: role.id, policy: policyDocument(statements) },
            { parent: this },
          );
        }
        return [account, role];
      }),
    );

    const securityGroup = new aws.ec2.SecurityGroup(
      name,
      { vpcId: args.vpcId, description: `Workflow steps of ${name} on Fargate (egress only)` },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-https-out`,
      {
        securityGroupId: securityGroup.id,
        // AWS APIs (SQS, ECR, Logs, STS, KMS) through the interface endpoints or NAT, and image
        // layers from S3: all 443.
        description: "HTTPS: AWS APIs and image layers",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      },
      { parent: this },
    );

    const taskDefinitions = Object.fromEntries(
      allSteps(args.workflow).map((step) => {
        const size = fargateSize(step.resources) as { cpu: string; memory: string };
        const definition = new aws.ecs.TaskDefinition(
          `${name}-${step.name}`,
          {
            family: `${name}-${step.name}`,
            requiresCompatibilities: ["FARGATE"],
            networkMode: "awsvpc",
            runtimePlatform: {
              operatingSystemFamily: "LINUX",
              cpuArchitecture: FARGATE_CPU_ARCHITECTURE[args.platform ?? "linux/amd64"],
            },
            cpu: size.cpu,
            memory: size.memory,
            executionRoleArn: executionRole.arn,
            taskRoleArn: taskRoles[step.serviceAccountName].arn,
            containerDefinitions: pulumi.jsonStringify([
              fargateContainer(step, { logGroupName: logs.name, region, streamPrefix: name }),
            ]),
            tags: {
              "acme.io/workflow-template": args.workflow.name,
              "acme.io/workflow-step": step.name,
              "acme.io/service-account": step.serviceAccountName,
            },
          },
          { parent: this, dependsOn: [executionPolicy] },
        );
        return [step.name, definition];
      }),
    );

    this.clusterArn = cluster.arn;
    this.clusterName = cluster.name;
    this.securityGroupId = securityGroup.id;
    this.logGroupName = logs.name;
    this.executionRoleArn = executionRole.arn;
    this.taskRoleArns = Object.fromEntries(
      Object.entries(taskRoles).map(([account, role]) => [account, role.arn]),
    );
    this.taskDefinitionArns = Object.fromEntries(
      Object.entries(taskDefinitions).map(([step, d]) => [step, d.arn]),
    );
    this.target = {
      runner: StepRunner.Fargate,
      clusterArn: this.clusterArn,
      subnets: args.subnetIds,
      securityGroups: [this.securityGroupId],
      taskDefinitions: this.taskDefinitionArns,
    };
    this.registerOutputs({
      clusterArn: this.clusterArn,
      securityGroupId: this.securityGroupId,
      logGroupName: this.logGroupName,
      executionRoleArn: this.executionRoleArn,
    });
  }
}

/**
 * What a state machine's role needs to run these steps with `ecs:runTask.sync`
 * (https://docs.aws.amazon.com/step-functions/latest/dg/ecs-iam.html): RunTask of these task
 * definitions in this cluster, Stop and Describe of its tasks, the managed rule Step Functions
 * uses to learn that a task stopped, and passing exactly these roles to ECS tasks.
 */
export function fargateRunStatements(
  steps: Pick<
    FargateSteps,
    "clusterArn" | "clusterName" | "taskDefinitionArns" | "executionRoleArn" | "taskRoleArns"
  >,
  context: AwsContext,
): PolicyStatement[] {
  const { accountId, partition, region } = context;
  return [
    {
      Sid: "RunStepTasks",
      Effect: "Allow",
      Action: "ecs:RunTask",
      Resource: Object.values(steps.taskDefinitionArns),
      Condition: { ArnEquals: { "ecs:cluster": steps.clusterArn } },
    },
    {
      Sid: "WatchAndStopStepTasks",
      Effect: "Allow",
      Action: ["ecs:StopTask", "ecs:DescribeTasks"],
      Resource: pulumi.interpolate`arn:${partition}:ecs:${region}:${accountId}:task/${steps.clusterName}/*`,
    },
    {
      // PropagateTags tags the task as RunTask creates it, which ECS authorizes as TagResource.
      Sid: "TagStepTasksOnRun",
      Effect: "Allow",
      Action: "ecs:TagResource",
      Resource: pulumi.interpolate`arn:${partition}:ecs:${region}:${accountId}:task/${steps.clusterName}/*`,
      Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
    },
    {
      Sid: "TaskStoppedEvents",
      Effect: "Allow",
      Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
      Resource: pulumi.interpolate`arn:${partition}:events:${region}:${accountId}:rule/StepFunctionsGetEventsForECSTaskRule`,
    },
    {
      Sid: "PassStepRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: [steps.executionRoleArn, ...Object.values(steps.taskRoleArns)],
      Condition: { StringEquals: { "iam:PassedToService": ECS_TASKS } },
    },
  ];
}
