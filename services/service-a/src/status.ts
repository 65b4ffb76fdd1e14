/**
 * Where Service A reads a request's status: the workflow engine's view of the run, mapped onto the
 * contract's values (`accepted`, `running`, `succeeded`, `failed`). The request store says that a
 * request exists and how to find its run; the engine says where the run stands:
 *
 * - `argo`: the Workflow the Argo Events sensor submitted, read by name from the Kubernetes API
 *   (argoStatus.ts); the name derives from the idempotency key as the sensor derives it
 *   (contracts/workflowNames.ts).
 * - `step-functions`: DescribeExecution of the execution whose name the execution's first state
 *   wrote onto the request's record (stepFunctionsStatus.ts, statusAccess.ts).
 * - `none`: the status recorded at acceptance (local runs: always `accepted`).
 */
import type { RequestStatus, StoredRequest, WorkflowStatus } from "./model";

/** The engines Service A can read status from (`WORKFLOW_ENGINE`). */
export const WORKFLOW_ENGINES = ["none", "argo", "step-functions"] as const;
export type WorkflowEngine = (typeof WORKFLOW_ENGINES)[number];

/** The engine's view of one request. */
export interface EngineView {
  status: WorkflowStatus;
  /** When the run last changed (its start or end), ISO 8601; absent: the recorded time stands. */
  updatedAt?: string;
}

/** Reads the engine's view of a stored request. */
export interface WorkflowStatusSource {
  readonly engine: Exclude<WorkflowEngine, "none">;
  /**
   * The engine's view of `request`. A run the engine does not have yet (not yet started from
   * the queue) is `accepted`. Rejects when the engine cannot be asked (the breaker counts it).
   */
  status(request: StoredRequest, signal?: AbortSignal): Promise<EngineView>;
}

/** The answer to `GET /v1/workflow-requests/{requestId}`: the record with the engine's view. */
export function withEngineView(recorded: RequestStatus, view: EngineView): RequestStatus {
  return { ...recorded, status: view.status, updatedAt: view.updatedAt ?? recorded.updatedAt };
}

/** An engine's run status the mapping does not know: a version the adapter was not written for. */
export class UnknownEngineStatusError extends Error {
  constructor(engine: string, value: string, known: readonly string[]) {
    super(
      `${engine} reported status "${value}", which Service A does not map (known: ${known.join(", ")})`,
    );
    this.name = "UnknownEngineStatusError";
  }
}
