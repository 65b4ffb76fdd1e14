/**
 * Helpers for the worker's tests: a worker wired to fakes (SQS through aws-sdk-client-mock, the
 * in-memory bus), captured log lines and work-task messages.
 */
import { randomUUID } from "node:crypto";
import { SQSClient, type Message } from "@aws-sdk/client-sqs";
import { createLogger, createMetrics } from "@acme/service-kit";
import { buildWorker, type WorkerDeps } from "./app";
import { readWorkerConfig } from "./config";
import { InMemoryEventBus } from "./eventBus";
import { sqsApi } from "./sqsConsumer";

export const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/111122223333/task-queue";
export const DLQ_URL = "https://sqs.eu-west-1.amazonaws.com/111122223333/task-queue-dlq";

/** Log lines written by a logger, parsed. */
export function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger("worker", {
    level: "debug",
    destination: {
      write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  });
  return { logger, lines };
}

/** A worker on the SQS transport whose queue calls go to `client` (mock it first). */
export function testWorker(client: SQSClient, deps: Partial<WorkerDeps> = {}) {
  const config = readWorkerConfig({
    WORKER_TRANSPORT: "sqs",
    TASK_QUEUE_URL: QUEUE_URL,
    DEAD_LETTER_QUEUE_URL: DLQ_URL,
    AWS_REGION: "eu-west-1",
  });
  const bus = new InMemoryEventBus();
  const { logger, lines } = captureLogs();
  const worker = buildWorker(config, {
    sqs: sqsApi(client),
    bus,
    logger,
    metrics: createMetrics("worker", { processMetrics: false }),
    env: {},
    ...deps,
  });
  return { worker, bus, logs: lines };
}

export function sqsClient(): SQSClient {
  return new SQSClient({
    region: "eu-west-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}

/** A valid work-task envelope with a known trace context. */
export function workTask(overrides: { id?: string; traceId?: string; parentId?: string } = {}) {
  const traceId = overrides.traceId ?? randomUUID().replace(/-/g, "");
  const parentId = overrides.parentId ?? randomUUID().replace(/-/g, "").slice(0, 16);
  return {
    specversion: "1.0",
    id: overrides.id ?? randomUUID(),
    source: "/workflows/nightly-report",
    type: "com.acme.workflow.task.v1",
    time: "2026-03-14T02:00:05Z",
    datacontenttype: "application/json",
    traceparent: `00-${traceId}-${parentId}-01`,
    data: {
      requestId: "0f8fad5b-d9cb-469f-a165-70867728950e",
      workflowTemplate: "nightly-report",
      task: "render",
      sequence: 3,
      parameters: { reportDate: "2026-03-13" },
    },
  };
}

let receipts = 0;
/** An SQS message carrying `body`. */
export function sqsMessage(body: unknown, receiveCount = 1): Message {
  receipts += 1;
  return {
    MessageId: randomUUID(),
    ReceiptHandle: `receipt-${receipts}`,
    Body: typeof body === "string" ? body : JSON.stringify(body),
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
    MessageAttributes: {},
  };
}

export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
