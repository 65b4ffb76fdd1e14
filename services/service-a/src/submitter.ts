/**
 * How Service A hands a request to the workflow engine (status.ts reads it back). `sqs` sends a
 * workflow-request message to the work queue (the engine consumes it); `local` keeps requests in
 * the process, for development and tests, with injectable latency and failures.
 */
import {
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { produce, queueName } from "@acme/service-kit";
import type { WorkflowRequest } from "./model";
import { SERVICE_NAME } from "./config";

/** The message contract and CloudEvents type of what Service A sends. */
export const WORKFLOW_REQUEST = {
  contract: "workflow-request",
  type: "com.acme.workflow.requested.v1",
} as const;
/** The CloudEvents `source` of Service A's messages. */
export const SOURCE = `/services/${SERVICE_NAME}`;

export interface WorkflowSubmitter {
  /** Hands the request to the engine; resolves once it is durably accepted. */
  submit(request: WorkflowRequest, signal?: AbortSignal): Promise<void>;
}

/** Sends each request as a workflow-request message to the work queue. */
export class SqsSubmitter implements WorkflowSubmitter {
  private readonly queueName: string;
  private readonly fifo: boolean;
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {
    this.queueName = queueName(queueUrl);
    this.fifo = this.queueName.endsWith(".fifo");
  }

  async submit(request: WorkflowRequest, signal?: AbortSignal): Promise<void> {
    await produce(
      { ...WORKFLOW_REQUEST, source: SOURCE, id: request.requestId, data: request },
      { system: "aws_sqs", name: this.queueName },
      async (envelope, carrier) => {
        const attributes: Record<string, MessageAttributeValue> = {};
        for (const [name, value] of Object.entries(carrier)) {
          if (value) attributes[name] = { DataType: "String", StringValue: value };
        }
        await this.sqs.send(
          new SendMessageCommand({
            QueueUrl: this.queueUrl,
            MessageBody: JSON.stringify(envelope),
            MessageAttributes: attributes,
            ...(this.fifo
              ? {
                  MessageGroupId: request.requestId,
                  MessageDeduplicationId: request.idempotencyKey,
                }
              : {}),
          }),
          { abortSignal: signal },
        );
      },
    );
  }
}

/** Options of the local submitter. */
export interface LocalSubmitterOptions {
  /** Share of submissions that fail, 0 to 1. */
  failureRate: number;
  /** Milliseconds each submission takes. */
  latencyMs: number;
  /** Random numbers in [0, 1) (tests make failures deterministic). */
  random?: () => number;
}

/** Raised by the local submitter's injected failures. */
export class InjectedFailure extends Error {
  constructor() {
    super("injected failure (LOCAL_SUBMITTER_FAILURE_RATE)");
    this.name = "InjectedFailure";
  }
}

/**
 * Keeps requests in the process. The message is still built and validated against its contract
 * (with the trace context), so local runs exercise the same path as the queue.
 */
export class LocalSubmitter implements WorkflowSubmitter {
  /** The messages "sent", newest last. */
  readonly sent: unknown[] = [];
  private readonly random: () => number;
  constructor(private readonly options: LocalSubmitterOptions) {
    this.random = options.random ?? Math.random;
  }

  async submit(request: WorkflowRequest, signal?: AbortSignal): Promise<void> {
    await produce(
      { ...WORKFLOW_REQUEST, source: SOURCE, id: request.requestId, data: request },
      { system: "aws_sqs", name: "local" },
      async (envelope) => {
        if (this.options.latencyMs > 0) await delay(this.options.latencyMs, signal);
        if (this.random() < this.options.failureRate) throw new InjectedFailure();
        this.sent.push(envelope);
      },
    );
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}
