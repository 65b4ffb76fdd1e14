/**
 * What the platform must grant and wire so Service A can read a request's status from the
 * workflow engine (services/service-a/src/status.ts), as data the Pulumi program imports. No
 * imports but the table's key schema: the program loads this file without the AWS SDK.
 */
import { REQUEST_ITEM_PREFIX, TABLE_KEY, TTL_ATTRIBUTE } from "./table";

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
export interface IamStatement<T = string> {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: T[];
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

/**
 * What {@link recordExecutionState} needs. `T` is the table name's type: a string, or the Pulumi
 * program's Output (this module does not import Pulumi).
 */
export interface RecordExecutionStateArgs<T = string> {
  /** The request table's name (`REQUEST_TABLE`). */
  tableName: T;
  /**
   * The JSONata expression of the request's `requestId` in the state's input, e.g.
   * `$states.input.requestId` after the compiler's Parameters state.
   */
  requestId: string;
  /**
   * Seconds from the execution's start after which an item the execution created expires, when
   * Service A never stored its answer on it (Service A's accept sets the expiry it keeps).
   */
  ttlSeconds: number;
  /** The state after the name is recorded. */
  next: string;
  /**
   * The state a second execution for the same request goes to (a redelivered message: the
   * request already has an execution), e.g. a Succeed state; the first execution's status stands.
   */
  onDuplicate: string;
}

/**
 * A state of the request state machine (ASL, JSONata, as the workflow compiler emits): writes the
 * execution's name onto the request's item in the request table, so Service A can describe it.
 *
 * Why: the EventBridge Pipe that starts the execution (FIRE_AND_FORGET, StartExecution) takes no
 * execution name (PipeTargetStateMachineParameters has only `InvocationType`), so Service A
 * cannot derive it from the request as it does an Argo Workflow's name, and ListExecutions has no
 * filter but status and would page through every execution. The condition makes the first
 * execution of a request the one Service A reports; a duplicate goes to `onDuplicate`.
 *
 * The item may not exist yet (the execution can start before Service A stores the answer); the
 * write creates it with the name and an expiry, and Service A's accept adds the rest and its own
 * expiry (an update, not a put). The state passes its input on unchanged.
 */
export function recordExecutionState<T>(
  args: RecordExecutionStateArgs<T>,
): Record<string, unknown> {
  return {
    Type: "Task",
    Comment: "Record this execution's name on the request, for Service A's status reads.",
    Resource: "arn:aws:states:::dynamodb:updateItem",
    Arguments: {
      TableName: args.tableName,
      Key: {
        [TABLE_KEY]: { S: `{% '${REQUEST_ITEM_PREFIX}' & ${args.requestId} %}` },
      },
      UpdateExpression: "SET #execution = :execution, #expires = if_not_exists(#expires, :expires)",
      ConditionExpression: "attribute_not_exists(#execution)",
      ExpressionAttributeNames: {
        "#execution": EXECUTION_NAME_ATTRIBUTE,
        "#expires": TTL_ATTRIBUTE,
      },
      ExpressionAttributeValues: {
        ":execution": { S: "{% $states.context.Execution.Name %}" },
        ":expires": {
          N: `{% $string($floor($toMillis($states.context.Execution.StartTime) / 1000) + ${args.ttlSeconds}) %}`,
        },
      },
    },
    Output: "{% $states.input %}",
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
export function recordExecutionIamStatements<T>(tableArn: T): IamStatement<T>[] {
  return [
    {
      Sid: "RecordExecutionOnRequest",
      Effect: "Allow",
      Action: ["dynamodb:UpdateItem"],
      Resource: [tableArn],
      Condition: {
        "ForAllValues:StringLike": {
          "dynamodb:LeadingKeys": [`${REQUEST_ITEM_PREFIX}*`],
          "dynamodb:Attributes": [TABLE_KEY, EXECUTION_NAME_ATTRIBUTE, TTL_ATTRIBUTE],
        },
        // As AWS's attribute-level examples do: no returned values beyond what it wrote.
        StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE", "UPDATED_NEW"] },
      },
    },
  ];
}
