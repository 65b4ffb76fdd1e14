import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as dynamodb from "@aws-sdk/client-dynamodb";
import {
  executionArn,
  isStateMachineArn,
  recordExecutionIamStatements,
  recordExecutionState,
  SERVICE_A_STATUS_RBAC,
  serviceAStatusIamStatements,
} from "./statusAccess";

const STATE_MACHINE =
  "arn:aws:states:eu-west-1:111122223333:stateMachine:acme-prod-service-a-request";

describe("what the platform grants for status reads", () => {
  it("RBAC: get on Argo workflows, nothing else (no list, no watch, no other resource)", () => {
    assert.deepEqual(SERVICE_A_STATUS_RBAC, [
      { apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["get"] },
    ]);
  });

  it("IAM: DescribeExecution on this state machine's executions only, in any partition", () => {
    assert.deepEqual(serviceAStatusIamStatements(STATE_MACHINE), [
      {
        Sid: "DescribeWorkflowExecutions",
        Effect: "Allow",
        Action: ["states:DescribeExecution"],
        Resource: ["arn:aws:states:eu-west-1:111122223333:execution:acme-prod-service-a-request:*"],
      },
    ]);
    assert.equal(
      executionArn("arn:aws-cn:states:cn-north-1:111122223333:stateMachine:req", "e-1"),
      "arn:aws-cn:states:cn-north-1:111122223333:execution:req:e-1",
    );
    assert.throws(
      () => serviceAStatusIamStatements("arn:aws:states:eu-west-1:111122223333:activity:req"),
      /is not a state machine ARN/,
    );
    assert.equal(isStateMachineArn(STATE_MACHINE), true);
    assert.equal(isStateMachineArn(`${STATE_MACHINE}:live`), false, "an alias or version is not");
  });

  it("the state machine's first state records its name on the request item, once per request", () => {
    const state = recordExecutionState({
      tableName: "acme-prod-service-a-requests",
      requestId: "$states.input.requestId",
      ttlSeconds: 86400,
      next: "Handoff",
      onDuplicate: "AlreadyRunning",
    }) as {
      Resource: string;
      Arguments: Record<string, unknown>;
      Catch: { ErrorEquals: string[]; Next: string }[];
      Retry: { ErrorEquals: string[] }[];
      Next: string;
      Output: string;
    };
    assert.equal(state.Resource, "arn:aws:states:::dynamodb:updateItem");
    assert.equal(state.Arguments.TableName, "acme-prod-service-a-requests");
    assert.deepEqual(state.Arguments.Key, {
      pk: { S: "{% 'req#' & $states.input.requestId %}" },
    });
    assert.equal(state.Arguments.ConditionExpression, "attribute_not_exists(#execution)");
    assert.equal(
      state.Arguments.UpdateExpression,
      "SET #execution = :execution, #expires = if_not_exists(#expires, :expires)",
      "the name always, an expiry only where Service A has not set one",
    );
    assert.deepEqual(state.Arguments.ExpressionAttributeNames, {
      "#execution": "executionName",
      "#expires": "expiresAt",
    });
    assert.deepEqual(state.Arguments.ExpressionAttributeValues, {
      ":execution": { S: "{% $states.context.Execution.Name %}" },
      ":expires": {
        N: "{% $string($floor($toMillis($states.context.Execution.StartTime) / 1000) + 86400) %}",
      },
    });
    assert.deepEqual(state.Catch, [
      { ErrorEquals: ["DynamoDB.ConditionalCheckFailedException"], Next: "AlreadyRunning" },
    ]);
    // Step Functions names a DynamoDB error `DynamoDB.<the error code DynamoDB returns>`; a name
    // DynamoDB never returns would never be retried.
    for (const name of state.Retry.flatMap((r) => r.ErrorEquals)) {
      if (name.startsWith("States.")) continue;
      const code = name.replace(/^DynamoDB\./, "");
      const error = (dynamodb as Record<string, unknown>)[code];
      assert.ok(
        typeof error === "function" && (error as { prototype: unknown }).prototype instanceof Error,
        `${name}: DynamoDB returns no error ${code} (@aws-sdk/client-dynamodb has no such class)`,
      );
    }
    assert.equal(state.Next, "Handoff");
    assert.equal(state.Output, "{% $states.input %}", "the state's input passes on unchanged");
    const [grant] = recordExecutionIamStatements(
      "arn:aws:dynamodb:eu-west-1:111122223333:table/acme-prod-service-a-requests",
    );
    assert.deepEqual(grant.Action, ["dynamodb:UpdateItem"]);
    assert.deepEqual(grant.Condition?.["ForAllValues:StringLike"], {
      "dynamodb:LeadingKeys": ["req#*"],
      "dynamodb:Attributes": ["pk", "executionName", "expiresAt"],
    });
  });
});
