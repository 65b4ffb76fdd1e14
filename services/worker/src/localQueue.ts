/**
 * An in-process stand-in for SQS, for `npm run dev` with WORKER_TRANSPORT=local: the same consumer
 * code runs against it, with long polling, visibility timeouts and a redrive to the dead-letter
 * queue after `maxReceiveCount` receives. It is not a test double for SQS semantics beyond that.
 */
import { randomUUID } from "node:crypto";
import type { Message, MessageAttributeValue, ReceiveMessageResult } from "@aws-sdk/client-sqs";
import type { SqsApi } from "./sqsConsumer";

interface Stored {
  id: string;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
}

export const LOCAL_TASK_QUEUE_URL = "http://localhost/local/task-queue";
export const LOCAL_DEAD_LETTER_QUEUE_URL = "http://localhost/local/task-queue-dlq";

export class LocalQueues implements SqsApi {
  private readonly queues = new Map<string, Stored[]>();
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly redrive: { from: string; to: string; maxReceiveCount: number } = {
      from: LOCAL_TASK_QUEUE_URL,
      to: LOCAL_DEAD_LETTER_QUEUE_URL,
      maxReceiveCount: 5,
    },
  ) {}

  /** The messages on a queue (visible or not). */
  messages(url: string): readonly Stored[] {
    return this.queue(url);
  }

  async sendMessage(input: {
    QueueUrl?: string;
    MessageBody?: string;
    MessageAttributes?: Record<string, MessageAttributeValue>;
  }): Promise<{ MessageId: string }> {
    const id = randomUUID();
    this.queue(input.QueueUrl).push({
      id,
      body: input.MessageBody ?? "",
      attributes: input.MessageAttributes ?? {},
      receiveCount: 0,
      visibleAt: 0,
    });
    for (const wake of [...this.waiters]) wake();
    return { MessageId: id };
  }

  async receiveMessage(
    input: {
      QueueUrl?: string;
      MaxNumberOfMessages?: number;
      WaitTimeSeconds?: number;
      VisibilityTimeout?: number;
    },
    signal: AbortSignal,
  ): Promise<ReceiveMessageResult> {
    const deadline = Date.now() + (input.WaitTimeSeconds ?? 0) * 1000;
    for (;;) {
      const messages = this.take(input);
      if (messages.length > 0 || Date.now() >= deadline || signal.aborted)
        return { Messages: messages };
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          signal.removeEventListener("abort", done);
          resolve();
        };
        // Wake for a new message, the end of the wait, or (at most a second later) a message
        // whose visibility timeout ran out.
        const timer = setTimeout(done, Math.min(1000, Math.max(0, deadline - Date.now())));
        this.waiters.add(done);
        signal.addEventListener("abort", done);
      });
    }
  }

  async deleteMessage(input: { QueueUrl?: string; ReceiptHandle?: string }): Promise<void> {
    const queue = this.queue(input.QueueUrl);
    const i = queue.findIndex((m) => m.receiptHandle === input.ReceiptHandle);
    if (i >= 0) queue.splice(i, 1);
  }

  async changeMessageVisibility(input: {
    QueueUrl?: string;
    ReceiptHandle?: string;
    VisibilityTimeout?: number;
  }): Promise<void> {
    const m = this.queue(input.QueueUrl).find((x) => x.receiptHandle === input.ReceiptHandle);
    if (m) m.visibleAt = Date.now() + (input.VisibilityTimeout ?? 0) * 1000;
  }

  private take(input: {
    QueueUrl?: string;
    MaxNumberOfMessages?: number;
    VisibilityTimeout?: number;
  }): Message[] {
    const now = Date.now();
    const queue = this.queue(input.QueueUrl);
    const out: Message[] = [];
    for (const m of [...queue]) {
      if (out.length >= (input.MaxNumberOfMessages ?? 1)) break;
      if (m.visibleAt > now) continue;
      if (input.QueueUrl === this.redrive.from && m.receiveCount >= this.redrive.maxReceiveCount) {
        queue.splice(queue.indexOf(m), 1);
        this.queue(this.redrive.to).push({ ...m, receiveCount: 0, visibleAt: 0 });
        continue;
      }
      m.receiveCount += 1;
      m.receiptHandle = randomUUID();
      m.visibleAt = now + (input.VisibilityTimeout ?? 30) * 1000;
      out.push({
        MessageId: m.id,
        ReceiptHandle: m.receiptHandle,
        Body: m.body,
        MessageAttributes: m.attributes,
        Attributes: { ApproximateReceiveCount: String(m.receiveCount) },
      });
    }
    return out;
  }

  private queue(url: string | undefined): Stored[] {
    const key = url ?? "";
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = []));
    return q;
  }
}
