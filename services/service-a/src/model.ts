/** The request model Service A works with, in the words of its contracts. */

/** `priority` when the caller gives none. */
export const DEFAULT_PRIORITY = "normal";
/** `requestedBy` when no authenticated principal is passed on (local runs). */
export const ANONYMOUS = "anonymous";

/** The body of `POST /v1/workflow-requests` (contracts/http/service-a.openapi.yaml). */
export interface WorkflowRequestInput {
  workflowTemplate: string;
  parameters?: Record<string, string>;
  priority?: "low" | "normal" | "high";
}

/** What travels on the work queue as the `data` of a workflow-request message. */
export interface WorkflowRequest {
  requestId: string;
  workflowTemplate: string;
  parameters: Record<string, string>;
  requestedBy: string;
  priority: "low" | "normal" | "high";
  idempotencyKey: string;
}

/** The answer to an accepted request (202), stored to answer retries identically. */
export interface AcceptedResponse {
  requestId: string;
  status: "accepted";
  statusUrl: string;
}

/** A request's status (`GET /v1/workflow-requests/{requestId}`). */
export interface RequestStatus {
  requestId: string;
  workflowTemplate: string;
  priority: "low" | "normal" | "high";
  status: "accepted" | "running" | "succeeded" | "failed";
  submittedAt: string;
  updatedAt: string;
}

/** A request's status as the contract spells it. */
export type WorkflowStatus = RequestStatus["status"];

/**
 * What the request store holds for a request: its status as recorded at acceptance, and what the
 * status adapters need to find the engine's run (services/service-a/src/status.ts).
 */
export interface StoredRequest {
  /** The status recorded when the request was accepted (`accepted`). */
  status: RequestStatus;
  /**
   * The request's idempotency key: names its Argo Workflow. Absent on records written before
   * Service A stored it; their status is the recorded one.
   */
  idempotencyKey?: string;
  /**
   * The Step Functions execution's name, written onto the record by the execution's first state
   * (statusAccess.ts, `recordExecutionState`); absent until the execution has started.
   */
  executionName?: string;
}

/** The status URL of a request. */
export const statusUrl = (requestId: string) => `/v1/workflow-requests/${requestId}`;
