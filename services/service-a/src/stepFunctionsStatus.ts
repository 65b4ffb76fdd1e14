/**
 * The status of a request run by AWS Step Functions: DescribeExecution of the execution whose
 * name the execution's first state wrote onto the request's record (statusAccess.ts,
 * `recordExecutionState`). The EventBridge Pipe starts executions without a name Service A could
 * derive, hence the record. Service A's role may `states:DescribeExecution` on this state
 * machine's executions only (`serviceAStatusIamStatements`).
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import type { StoredRequest, WorkflowStatus } from "./model";
import { UnknownEngineStatusError, type EngineView, type WorkflowStatusSource } from "./status";
import { executionArn } from "./statusAccess";

/**
 * DescribeExecution's `status` mapped onto the contract. TIMED_OUT and ABORTED end the run without
 * its result, so the request failed; PENDING_REDRIVE is a failed run being redriven (it runs again).
 */
export const EXECUTION_STATUSES: Record<string, WorkflowStatus> = {
  RUNNING: "running",
  PENDING_REDRIVE: "running",
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  TIMED_OUT: "failed",
  ABORTED: "failed",
};

/** The engine's view of a DescribeExecution answer. */
export function executionView(
  execution: Pick<
    DescribeExecutionCommandOutput,
    "status" | "startDate" | "stopDate" | "redriveDate"
  >,
): EngineView {
  const value = execution.status ?? "";
  const status = EXECUTION_STATUSES[value];
  if (!status)
    throw new UnknownEngineStatusError("Step Functions", value, Object.keys(EXECUTION_STATUSES));
  // A redriven execution's stopDate is its earlier end; while it runs again, its redrive is newer.
  const at =
    status === "running"
      ? (execution.redriveDate ?? execution.startDate)
      : (execution.stopDate ?? execution.startDate);
  return at ? { status, updatedAt: at.toISOString() } : { status };
}

export class StepFunctionsStatusSource implements WorkflowStatusSource {
  readonly engine = "step-functions" as const;
  constructor(
    private readonly sfn: SFNClient,
    /** The request state machine's ARN (`STATE_MACHINE_ARN`). */
    private readonly stateMachineArn: string,
  ) {
    // Fails at start, naming the value, rather than on the first read.
    executionArn(stateMachineArn, "probe");
  }

  async status(request: StoredRequest, signal?: AbortSignal): Promise<EngineView> {
    // No execution has recorded itself yet: the message is still on the queue or the pipe.
    if (!request.executionName) return { status: "accepted" };
    const output = await this.sfn.send(
      new DescribeExecutionCommand({
        executionArn: executionArn(this.stateMachineArn, request.executionName),
        // The status and dates are all Service A reads. Without the input and output, the call
        // needs no kms:Decrypt on the state machine's customer managed key.
        includedData: "METADATA_ONLY",
      }),
      { abortSignal: signal },
    );
    return executionView(output);
  }
}
