/**
 * What the platform must grant and wire so Service A can read a request's status from the
 * workflow engine (services/service-a/src/status.ts), as data the Pulumi program imports. No
 * imports but the table's key schema: the program loads this file without the AWS SDK.
 */
import { REQUEST_ITEM_PREFIX, TABLE_KEY } from "./table";

/**
 * The Kubernetes RBAC rules of the Role bound to Service A's service account in the workflows
 * namespace (a Role and RoleBinding there, not a ClusterRole): read one Workflow by name. No
 * `list` or `watch`: Service A derives each name (contracts/workflowNames.ts) and never searches.
 */
export const SERVICE_A_STATUS_RBAC = [
  { apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["get"] },
] as const;

const STATE_MACHINE_ARN =
  /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;

/** Whether `arn` is a state machine's ARN (`arn:<partition>:states:<region>:<account>:stateMachine:<name>`). */
export function isStateMachineArn(arn: string): boolean {
  return STATE_MACHINE_ARN.test(arn);
}

/**
 * The ARN of the execution `executionName` of a state machine:
 * `arn:<partition>:states:<region>:<account>:execution:<stateMachineName>:<executionName>`.
 */
export function executionArn(stateMachineArn: string, executionName: string): string {
  const m = STATE_MACHINE_ARN.exec(stateMachineArn);
  if (!m) {
    throw new Error(
      `"${stateMachineArn}" is not a state machine ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>)`,
    );
  }
  const [, partition, region, account, name] = m;
  return `arn:${partition}:states:${region}:${account}:execution:${name}:${executionName}`;
}

/** A statement of an IAM policy document. */
export interface IamStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

/**
 * Service A's IAM grant on a Step Functions stack: `states:DescribeExecution` on the executions of
 * the one state machine (the execution resource type, every execution name), nothing else.
 */
export function serviceAStatusIamStatements(stateMachineArn: string): IamStatement[] {
  return [
    {
      Sid: "DescribeWorkflowExecutions",
      Effect: "Allow",
      Action: ["states:DescribeExecution"],
      Resource: [executionArn(stateMachineArn, "*")],
    },
  ];
}

/** The request item's attribute the execution writes its name to. */
export const EXECUTION_NAME_ATTRIBUTE = "executionName";

/** What {@link recordExecutionState} needs. */
export interface RecordExecutionStateArgs {
  /** The request table's name (`REQUEST_TABLE`). */
  tableName: string;
  /**
   * The JSONPath of the request's `requestId` in the state's input, e.g. `$.data.requestId`
   * when the pipe's input template passes the message's envelope.
   */
  requestIdPath: string;
  /** The state after the name is recorded. */
  next: string;
  /**
   * The state a second execution for the same request goes to (a redelivered message: the
   * request already has an execution), e.g. a Succeed state; the first execution's status stands.
   */
  onDuplicate: string;
}

/**
 * The first state of the request state machine (ASL, JSONPath): writes the execution's name onto
 * the request's item in the request table, so Service A can describe it.
 *
 * Why: the EventBridge Pipe that starts the execution (FIRE_AND_FORGET, StartExecution) takes no
 * execution name (PipeTargetStateMachineParameters has only `InvocationType`), so Service A
 * cannot derive it from the request as it does an Argo Workflow's name, and ListExecutions has no
 * filter but status and would page through every execution. The condition makes the first
 * execution of a request the one Service A reports; a duplicate goes to `onDuplicate`.
 *
 * The item may not exist yet (the execution can start before Service A stores the answer); the
 * write creates it with the name only and Service A's accept adds the rest (an update, not a put).
 */
export function recordExecutionState(args: RecordExecutionStateArgs): Record<string, unknown> {
  return {
    Type: "Task",
    Comment: "Record this execution's name on the request, for Service A's status reads.",
    Resource: "arn:aws:states:::dynamodb:updateItem",
    Parameters: {
      TableName: args.tableName,
      Key: {
        [TABLE_KEY]: { "S.$": `States.Format('${REQUEST_ITEM_PREFIX}{}', ${args.requestIdPath})` },
      },
      UpdateExpression: "SET #execution = :execution",
      ConditionExpression: "attribute_not_exists(#execution)",
      ExpressionAttributeNames: { "#execution": EXECUTION_NAME_ATTRIBUTE },
      ExpressionAttributeValues: { ":execution": { "S.$": "$$.Execution.Name" } },
    },
    ResultPath: null,
    Retry: [
      {
        // `DynamoDB.` and DynamoDB's own error code (InternalServerError has no `Exception`).
        ErrorEquals: [
          "DynamoDB.ProvisionedThroughputExceededException",
          "DynamoDB.RequestLimitExceeded",
          "DynamoDB.ThrottlingException",
          "DynamoDB.InternalServerError",
          "States.Timeout",
        ],
        IntervalSeconds: 1,
        BackoffRate: 2,
        MaxAttempts: 5,
        JitterStrategy: "FULL",
      },
    ],
    Catch: [
      {
        ErrorEquals: ["DynamoDB.ConditionalCheckFailedException"],
        ResultPath: null,
        Next: args.onDuplicate,
      },
    ],
    Next: args.next,
  };
}

/**
 * The state machine role's grant for {@link recordExecutionState}: `dynamodb:UpdateItem` on the
 * request table, limited to request items (`req#…`) and to the one attribute it writes.
 */
export function recordExecutionIamStatements(tableArn: string): IamStatement[] {
  return [
    {
      Sid: "RecordExecutionOnRequest",
      Effect: "Allow",
      Action: ["dynamodb:UpdateItem"],
      Resource: [tableArn],
      Condition: {
        "ForAllValues:StringLike": {
          "dynamodb:LeadingKeys": [`${REQUEST_ITEM_PREFIX}*`],
          "dynamodb:Attributes": [TABLE_KEY, EXECUTION_NAME_ATTRIBUTE],
        },
        // As AWS's attribute-level examples do: no returned values beyond what it wrote.
        StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE", "UPDATED_NEW"] },
      },
    },
  ];
}
