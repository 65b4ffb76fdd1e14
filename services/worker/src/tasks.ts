/**
 * The reference task handler: a work-task becomes a `task-completed` domain event about its
 * workflow request, published to the domain-events topic with the trace context in the envelope
 * and in the record headers (contracts/tracing.md, producers).
 */
import { createHash } from "node:crypto";
import { produce, type Envelope } from "@acme/service-kit";
import type { EventBus } from "./eventBus";

/** `data` of a work-task message (contracts/messages/work-task.schema.json). */
export interface WorkTask {
  requestId: string;
  workflowTemplate: string;
  task: string;
  sequence: number;
  parameters: Record<string, unknown>;
}

/** `data` of a domain-event message (contracts/messages/domain-event.schema.json). */
export interface DomainEventData {
  aggregateType: string;
  aggregateId: string;
  sequence: number;
  occurredAt: string;
  payload: Record<string, unknown>;
}

export const WORK_TASK_TYPE = "com.acme.workflow.task.v1";
export const TASK_COMPLETED_TYPE = "com.acme.workflow.task-completed.v1";
/** The `source` of every event the worker publishes. */
export const WORKER_SOURCE = "/services/worker";

/**
 * The id of the event a task produces, derived from the task's envelope id: a task redelivered
 * after its event was published (the delete failed, or another replica had it) publishes an event
 * with the same id, which consumers drop as a duplicate.
 */
export function eventIdFor(taskId: string, type: string): string {
  return derivedId(type, taskId);
}

/**
 * A UUID-shaped id derived from `parts` (the first 128 bits of the SHA-256 of the parts joined
 * by NUL): the same parts always give the same id. Envelope ids the worker and its handoff
 * derive, so that a message sent again is recognised as a duplicate.
 */
export function derivedId(...parts: readonly (string | number)[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export type TaskHandler = (task: Envelope<WorkTask>) => Promise<void>;

/** Creates the handler that publishes a task's outcome to `topic`. */
export function createTaskHandler(deps: {
  publish: EventBus["publish"];
  topic: string;
  now?: () => Date;
}): TaskHandler {
  const now = deps.now ?? (() => new Date());
  return async (task) => {
    const { requestId, task: name, workflowTemplate, sequence } = task.data;
    const data: DomainEventData = {
      aggregateType: "workflow-request",
      aggregateId: requestId,
      sequence,
      occurredAt: now().toISOString(),
      payload: { task: name, workflowTemplate, outcome: "succeeded" },
    };
    await produce(
      {
        contract: "domain-event",
        type: TASK_COMPLETED_TYPE,
        source: WORKER_SOURCE,
        subject: requestId,
        id: eventIdFor(task.id, TASK_COMPLETED_TYPE),
        data,
      },
      { system: "kafka", name: deps.topic },
      (envelope, carrier) =>
        deps.publish(deps.topic, {
          key: requestId,
          value: JSON.stringify(envelope),
          headers: {
            ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
            ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
          },
        }),
    );
  };
}
