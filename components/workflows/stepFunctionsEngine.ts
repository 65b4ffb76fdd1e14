/**
 * The AWS side of the Step Functions workflow engine: a STANDARD state machine that runs the
 * compiled workflow (its container steps are Fargate tasks, fargateSteps.ts, or `eks:runJob.sync`
 * Jobs in the workflows namespace), its execution role (with the ECS grants, or an EKS access
 * entry), the EventBridge pipe that starts one execution per message of the work queue, and an
 * alarm on executions that fail. The ASL comes from the workflow compiler; this component does not
 * read it beyond checking that it is a JSON state machine.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  DNS_LABEL,
  DNS_LABEL_FORM,
  KMS_KEY_ARN,
  keyUseViaService,
  LOG_RETENTION_DAYS,
  pipeKeyStatements,
  policyDocument,
  type PolicyStatement,
  REGION,
  serviceTrustPolicy,
  throwIfInvalid,
  type ValidationError,
  vendedLogGroupPrefix,
} from "../lib";
import type { Queue } from "../messaging/queue";
import { ALARM_RUNBOOKS, countsSumQueries } from "../observability/alarms";
import { REQUEST_TABLE_KEY_ACTIONS } from "../services/requestTable";
import { recordExecutionIamStatements } from "../../services/service-a/src/statusAccess";

/** Step Functions' range for `kmsDataKeyReusePeriodSeconds` (API_EncryptionConfiguration). */
const DATA_KEY_REUSE = { min: 60, max: 900, default: 300 };

/**
 * The AWS managed EKS access policy the state machine's role gets in the workflows namespace:
 * the Kubernetes `edit` role, the narrowest managed policy that creates and deletes Jobs and reads
 * pods and their logs (`AmazonEKSViewPolicy` cannot create; `AmazonEKSAdminPolicy` adds RBAC).
 * https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
 */
export const WORKFLOW_ACCESS_POLICY = "AmazonEKSEditPolicy";

/** X-Ray actions a traced state machine's role needs (none supports resource scoping). */
const XRAY_ACTIONS = [
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
];

/**
 * CloudWatch Logs actions a state machine's role needs to deliver its execution logs (vended
 * logs); the Logs API does not scope them to a log group, so the resource is `*`.
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy
 */
const LOG_DELIVERY_ACTIONS = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
];

/** Arguments of {@link StepFunctionsEngine}. */
export interface StepFunctionsEngineArgs extends AwsContext {
  /**
   * The state machine's Amazon States Language definition (JSON), as the workflow compiler emits
   * it. Container steps use `arn:<partition>:states:::eks:runJob.sync` with the cluster's
   * endpoint and certificate authority in their parameters, and `Namespace` set to `namespace`.
   */
  definition: pulumi.Input<string>;
  /**
   * Where the container steps run, as the definition was compiled for:
   * - `fargate`: the role gets `statements` (fargateSteps.ts `fargateRunStatements()`);
   * - `eks`: the role gets an access entry on `clusterName`, AmazonEKSEditPolicy in `namespace`
   *   (a DNS label) only.
   */
  runner:
    | { kind: "fargate"; statements: PolicyStatement[] }
    | { kind: "eks"; clusterName: pulumi.Input<string>; namespace: string };
  /**
   * The request table the definition's execution-record state writes to (Service A's, with its
   * key); the role may update request items' execution name and expiry only.
   */
  recordExecution?: { tableArn: pulumi.Input<string>; keyArn: pulumi.Input<string> };
  /** The SNS topic the failed-executions alarm notifies (the platform's alerts topic). */
  alarmTopicArn?: pulumi.Input<string>;
  /** The work queue (contract `workflow-request`); each message starts one execution. */
  workQueue: Queue;
  /**
   * The platform's data key ARN: it encrypts the definition and the execution history, and the
   * pipe's own stored settings. A key ARN, not an alias: the grants name it.
   */
  dataKeyArn: pulumi.Input<string>;
  /** The logs key ARN, which encrypts the state machine's and the pipe's log groups. */
  logsKeyArn: pulumi.Input<string>;
  /** Days both log groups keep their events; a value CloudWatch Logs accepts. */
  logRetentionInDays: number;
  /**
   * How long Step Functions reuses a data key before calling KMS again, 60 to 900 seconds.
   * @default 300 (the Step Functions default)
   */
  kmsDataKeyReusePeriodSeconds?: number;
  /** Protect the log groups from `pulumi destroy`. */
  protect?: boolean;
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** Checks what can be checked of a definition known now: JSON with `StartAt` and `States`. */
function definitionProblem(definition: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (e) {
    return `is not JSON (${(e as Error).message}); pass the compiler's ASL`;
  }
  const doc = parsed as Record<string, unknown> | null;
  if (
    typeof doc !== "object" ||
    doc === null ||
    typeof doc.StartAt !== "string" ||
    typeof doc.States !== "object" ||
    doc.States === null
  ) {
    return "is not an ASL state machine: it needs a StartAt string and a States object";
  }
  return undefined;
}

/** Validates {@link StepFunctionsEngineArgs}; returns every problem. */
export function validateStepFunctionsEngineArgs(args: StepFunctionsEngineArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (typeof args.definition === "string") {
    const problem = definitionProblem(args.definition);
    if (problem) add("definition", problem);
  }
  if (args.runner.kind === "eks" && !DNS_LABEL.test(args.runner.namespace)) {
    add("runner.namespace", `"${args.runner.namespace}" is not ${DNS_LABEL_FORM}`);
  }
  for (const key of ["dataKeyArn", "logsKeyArn"] as const) {
    const value = args[key];
    if (typeof value === "string" && !KMS_KEY_ARN.test(value)) {
      add(
        key,
        `"${value}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); pass the key's ` +
          "ARN, not an alias or key ID, so the grants name the key IAM checks",
      );
    }
  }
  if (!LOG_RETENTION_DAYS.includes(args.logRetentionInDays)) {
    add(
      "logRetentionInDays",
      `${args.logRetentionInDays} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}`,
    );
  }
  const reuse = args.kmsDataKeyReusePeriodSeconds ?? DATA_KEY_REUSE.default;
  if (!isIntegerIn(reuse, DATA_KEY_REUSE.min, DATA_KEY_REUSE.max)) {
    add(
      "kmsDataKeyReusePeriodSeconds",
      `must be an integer from ${DATA_KEY_REUSE.min} to ${DATA_KEY_REUSE.max} (Step Functions' range); got ${String(reuse)}`,
    );
  }
  if (args.workQueue.contract.name !== "workflow-request") {
    add(
      "workQueue",
      `carries the "${args.workQueue.contract.name}" contract; pass the work queue, whose messages are workflow-request`,
    );
  }
  if (!REGION.test(args.region)) {
    add("region", `"${args.region}" is not an AWS Region code; use the form eu-west-1`);
  }
  return errors;
}

/**
 * STANDARD state machine + execution role + EKS access entry + SQS-to-Step-Functions pipe
 * (`acme:workflows:StepFunctionsEngine`).
 *
 * - State machine `<name>-…` (name prefix `<name>-`), encrypted with the data key, logging ALL
 *   with execution data to `/aws/vendedlogs/states/<name>-…` (logs key), X-Ray tracing on.
 * - Its role: assumable by Step Functions for a state machine of this account with that prefix
 *   only; X-Ray, log delivery, and the data key through Step Functions for this state machine's
 *   encryption context. No EKS IAM action: `eks:runJob` talks to the Kubernetes API with the
 *   endpoint and CA the definition carries; Kubernetes authorizes it through the access entry,
 *   `AmazonEKSEditPolicy` in `namespace` only.
 * - Pipe `<name>-…`: the work queue, one message per execution, FIRE_AND_FORGET (the only
 *   invocation STANDARD machines accept), its settings encrypted with the data key, ERROR logs
 *   without payloads to `/aws/vendedlogs/pipes/<name>-…`. Its role reads the work queue
 *   (`Queue.grantConsumer()`), starts this state machine and uses the data key for its own
 *   settings; nothing else.
 */
export class StepFunctionsEngine extends pulumi.ComponentResource {
  public readonly stateMachineArn: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly pipeArn: pulumi.Output<string>;
  /** The pipe's name (the `PipeName` dimension of its CloudWatch metrics). */
  public readonly pipeName: pulumi.Output<string>;
  public readonly pipeRoleArn: pulumi.Output<string>;
  /** The state machine's log group. */
  public readonly logGroupName: pulumi.Output<string>;
  public readonly pipeLogGroupName: pulumi.Output<string>;

  constructor(name: string, args: StepFunctionsEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything registers.
    throwIfInvalid("StepFunctionsEngine", validateStepFunctionsEngineArgs(args));
    super("acme:workflows:StepFunctionsEngine", name, {}, opts);
    const { accountId, partition, region } = args;
    const prefix = `${name}-`;
    const stateMachines = pulumi.interpolate`arn:${partition}:states:${region}:${accountId}:stateMachine:${prefix}*`;
    const pipes = pulumi.interpolate`arn:${partition}:pipes:${region}:${accountId}:pipe/${prefix}*`;
    const logGroup = (suffix: string, service: string) =>
      new aws.cloudwatch.LogGroup(
        `${name}-${suffix}`,
        {
          namePrefix: vendedLogGroupPrefix(service, name),
          kmsKeyId: args.logsKeyArn,
          retentionInDays: args.logRetentionInDays,
        },
        { parent: this, protect: args.protect },
      );

    // --- The state machine and its role -------------------------------------------------------
    const logs = logGroup("logs", "states");
    const role = new aws.iam.Role(
      name,
      {
        description:
          args.runner.kind === "eks"
            ? `Step Functions: the workflows of ${name}, run as Jobs in ${args.runner.namespace}`
            : `Step Functions: the workflows of ${name}, run as Fargate tasks`,
        // Confused-deputy protection: Step Functions sends the state machine's ARN and account.
        assumeRolePolicy: serviceTrustPolicy("states.amazonaws.com", {
          condition: {
            StringEquals: { "aws:SourceAccount": accountId },
            ArnLike: { "aws:SourceArn": stateMachines },
          },
        }),
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      name,
      { role: role.id, policy: policyDocument(stateMachineStatements(args, stateMachines)) },
      { parent: this },
    );
    const ready: pulumi.Resource[] = [policy];
    if (args.runner.kind === "eks") {
      const entry = new aws.eks.AccessEntry(
        name,
        { clusterName: args.runner.clusterName, principalArn: role.arn, type: "STANDARD" },
        { parent: this },
      );
      ready.push(
        new aws.eks.AccessPolicyAssociation(
          name,
          {
            clusterName: args.runner.clusterName,
            principalArn: role.arn,
            policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/${WORKFLOW_ACCESS_POLICY}`,
            accessScope: { type: "namespace", namespaces: [args.runner.namespace] },
          },
          { parent: this, dependsOn: [entry] },
        ),
      );
    }
    const stateMachine = new aws.sfn.StateMachine(
      name,
      {
        namePrefix: prefix,
        type: "STANDARD",
        roleArn: role.arn,
        definition: args.definition,
        encryptionConfiguration: {
          type: "CUSTOMER_MANAGED_KMS_KEY",
          kmsKeyId: args.dataKeyArn,
          kmsDataKeyReusePeriodSeconds: args.kmsDataKeyReusePeriodSeconds ?? DATA_KEY_REUSE.default,
        },
        loggingConfiguration: {
          level: "ALL",
          // Execution data (inputs and outputs: the request's parameters and the steps' results)
          // is what makes a failed run diagnosable; Step Functions keeps it in the execution
          // history anyway. The log group is KMS-encrypted and expires; contracts keep secrets out
          // of workflow-request parameters.
          includeExecutionData: true,
          // Step Functions requires the ARN of the log streams (`:*`).
          logDestination: pulumi.interpolate`${logs.arn}:*`,
        },
        tracingConfiguration: { enabled: true },
      },
      // The role must hold its policies (and Kubernetes access) before the first execution.
      { parent: this, dependsOn: ready },
    );

    // --- The trigger: work queue -> pipe -> state machine ---------------------------------------
    const pipeLogs = logGroup("pipe-logs", "pipes");
    const pipeRole = new aws.iam.Role(
      `${name}-pipe`,
      {
        description: `EventBridge pipe: the work queue to the ${name} state machine`,
        assumeRolePolicy: serviceTrustPolicy("pipes.amazonaws.com", {
          condition: {
            StringEquals: { "aws:SourceAccount": accountId },
            ArnLike: { "aws:SourceArn": pipes },
          },
        }),
      },
      { parent: this },
    );
    const pipePolicy = new aws.iam.RolePolicy(
      `${name}-pipe`,
      {
        role: pipeRole.id,
        policy: policyDocument(pipeStatements(args, stateMachine.arn, pipes)),
      },
      { parent: this },
    );
    const pipe = new aws.pipes.Pipe(
      name,
      {
        namePrefix: prefix,
        description: `Workflow requests from the work queue to the ${name} state machine`,
        roleArn: pipeRole.arn,
        source: args.workQueue.queueArn,
        sourceParameters: {
          // One message, one execution: a failed start returns only that message to the queue
          // (and, after maxReceiveCount, to its dead-letter queue). No filter: a pipe deletes the
          // messages its filter rejects, so a malformed request would vanish instead of being
          // dead-lettered.
          sqsQueueParameters: { batchSize: 1 },
        },
        target: stateMachine.arn,
        targetParameters: {
          // A STANDARD state machine can only be started asynchronously.
          stepFunctionStateMachineParameters: { invocationType: "FIRE_AND_FORGET" },
        },
        kmsKeyIdentifier: args.dataKeyArn,
        logConfiguration: {
          // Failures to read, start or decrypt; no payloads: the message body is the request,
          // which the state machine's own log already records once.
          level: "ERROR",
          cloudwatchLogsLogDestination: { logGroupArn: pipeLogs.arn },
        },
        desiredState: "RUNNING",
      },
      { parent: this, dependsOn: [pipePolicy] },
    );

    if (args.alarmTopicArn) {
      // An execution that did not succeed lost its request's work: the pipe deleted the message
      // when the execution started (FIRE_AND_FORGET); the execution's input is in its history.
      new aws.cloudwatch.MetricAlarm(
        `${name}-failed`,
        {
          alarmDescription: pulumi.interpolate`Executions of state machine ${stateMachine.name} failed, timed out or were aborted. Runbook: ${ALARM_RUNBOOKS.WorkflowExecutionsFailed}`,
          comparisonOperator: "GreaterThanThreshold",
          threshold: 0,
          evaluationPeriods: 1,
          metricQueries: countsSumQueries(
            "AWS/States",
            ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"],
            { StateMachineArn: stateMachine.arn },
            300,
            "Executions that did not succeed",
          ),
          // No executions, no datapoints: healthy.
          treatMissingData: "notBreaching",
          alarmActions: [args.alarmTopicArn],
          okActions: [args.alarmTopicArn],
        },
        { parent: this },
      );
    }

    this.stateMachineArn = stateMachine.arn;
    this.roleArn = role.arn;
    this.pipeArn = pipe.arn;
    this.pipeName = pipe.name;
    this.pipeRoleArn = pipeRole.arn;
    this.logGroupName = logs.name;
    this.pipeLogGroupName = pipeLogs.name;
    this.registerOutputs({
      stateMachineArn: this.stateMachineArn,
      roleArn: this.roleArn,
      pipeArn: this.pipeArn,
      pipeRoleArn: this.pipeRoleArn,
      logGroupName: this.logGroupName,
      pipeLogGroupName: this.pipeLogGroupName,
    });
  }
}

/**
 * The state machine role's statements. Exported for tests and the IAM simulation.
 * @internal
 */
export function stateMachineStatements(
  args: Pick<
    StepFunctionsEngineArgs,
    "dataKeyArn" | "region" | "accountId" | "partition" | "runner" | "recordExecution"
  >,
  stateMachines: pulumi.Input<string>,
): PolicyStatement[] {
  // Encryption-context keys are strings, so they take String operators (not ArnLike).
  const dataKey = (actions: string[], context: Record<string, pulumi.Input<string>>) => {
    const statement = keyUseViaService(args.dataKeyArn, "states", args.region, actions);
    return {
      ...statement,
      Condition: { ...statement.Condition, StringLike: context },
    };
  };
  return [
    {
      Sid: "XRayTracing",
      Effect: "Allow",
      Action: XRAY_ACTIONS,
      Resource: "*",
    },
    {
      Sid: "ExecutionLogDelivery",
      Effect: "Allow",
      Action: LOG_DELIVERY_ACTIONS,
      Resource: "*",
    },
    {
      // The definition and execution history: Step Functions binds the state machine's ARN as
      // encryption context (aws-cdk StateMachine grants exactly this).
      Sid: "DataKeyForThisStateMachine",
      ...dataKey(["kms:Decrypt", "kms:GenerateDataKey"], {
        "kms:EncryptionContext:aws:states:stateMachineArn": stateMachines,
      }),
    },
    {
      // Execution logs of an encrypted state machine are encrypted for delivery under the
      // vended-logs context (this account's log groups).
      Sid: "DataKeyForExecutionLogs",
      ...dataKey(["kms:GenerateDataKey"], {
        "kms:EncryptionContext:SourceArn": pulumi.interpolate`arn:${args.partition}:logs:${args.region}:${args.accountId}:*`,
      }),
    },
    ...(args.runner.kind === "fargate" ? args.runner.statements : []),
    ...(args.recordExecution
      ? [
          ...recordExecutionIamStatements(args.recordExecution.tableArn),
          {
            Sid: "RequestTableKey",
            ...keyUseViaService(
              args.recordExecution.keyArn,
              "dynamodb",
              args.region,
              REQUEST_TABLE_KEY_ACTIONS,
            ),
          },
        ]
      : []),
  ];
}

/**
 * The pipe role's statements. Exported for tests and the IAM simulation.
 * @internal
 */
export function pipeStatements(
  args: Pick<StepFunctionsEngineArgs, "dataKeyArn" | "workQueue">,
  stateMachineArn: pulumi.Input<string>,
  pipes: pulumi.Input<string>,
): PolicyStatement[] {
  return [
    // Receive, delete, change visibility and read attributes on the work queue; its key via SQS.
    ...args.workQueue.grantConsumer(),
    {
      Sid: "StartThisStateMachine",
      Effect: "Allow",
      Action: "states:StartExecution",
      Resource: stateMachineArn,
    },
    {
      // The machine is encrypted with the data key: a StartExecution caller has the execution
      // input encrypted under the machine's ARN as context (as Step Functions' callers of a
      // customer-managed-key machine need it; not verifiable offline, docs/workflows.md).
      Sid: "DataKeyForThisStateMachinesInput",
      Effect: "Allow",
      Action: "kms:GenerateDataKey",
      Resource: args.dataKeyArn,
      Condition: {
        StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": stateMachineArn },
      },
    },
    // The pipe's own settings are encrypted with the data key under the pipe's ARN as context.
    ...pipeKeyStatements(args.dataKeyArn, pipes),
  ];
}
