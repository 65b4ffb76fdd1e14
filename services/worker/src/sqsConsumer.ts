/**
 * The task queue consumer. It long-polls the queue and, for each message:
 *  - validates the body against `work-task`; a message that fails goes to the dead-letter queue at
 *    once, body unchanged, with a `rejection-reason` attribute, and is deleted (retrying cannot fix
 *    it);
 *  - continues the producer's trace (envelope first, then the `traceparent` attribute) in a
 *    CONSUMER span per message; the messages of one receive share a batch span linked to each
 *    message's context (contracts/tracing.md);
 *  - skips (deletes) a message whose envelope id was processed already;
 *  - extends the message's visibility while the handler works and deletes it only after success.
 *    A failed message stays on the queue: it is received again after its visibility timeout, and
 *    the queue's redrive policy moves it to the dead-letter queue after maxReceiveCount receives.
 * Every queue call goes through a circuit breaker; while one is open the consumer stops polling
 * until it lets a probe through.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type ChangeMessageVisibilityRequest,
  type DeleteMessageRequest,
  type Message,
  type MessageAttributeValue,
  type ReceiveMessageRequest,
  type ReceiveMessageResult,
  type SendMessageRequest,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { ROOT_CONTEXT, SpanKind, trace, type Link } from "@opentelemetry/api";
import {
  consume,
  createBreaker,
  incomingContext,
  parseMessage,
  MESSAGE_OUTCOMES,
  queueName,
  REJECTION_REASON,
  SQS_MAX_VISIBILITY_TIMEOUT_SECONDS,
  type Breaker,
  type BreakerOptions,
  type Envelope,
  type Logger,
  type MessageOutcome,
  type Parsed,
  type ServiceMetrics,
  type TraceCarrier,
} from "@acme/service-kit";
import type { ProcessedIds } from "./processedIds";
import type { TaskHandler, WorkTask } from "./tasks";

/** The SQS calls the consumer makes; `sqsApi` adapts an SQSClient, localQueue.ts fakes it. */
export interface SqsApi {
  receiveMessage(input: ReceiveMessageRequest, signal: AbortSignal): Promise<ReceiveMessageResult>;
  deleteMessage(input: DeleteMessageRequest, signal: AbortSignal): Promise<unknown>;
  changeMessageVisibility(
    input: ChangeMessageVisibilityRequest,
    signal: AbortSignal,
  ): Promise<unknown>;
  sendMessage(input: SendMessageRequest, signal: AbortSignal): Promise<unknown>;
}

/** The SqsApi of an AWS SDK client; calls are cancelled when their signal aborts. */
export function sqsApi(client: SQSClient): SqsApi {
  return {
    receiveMessage: (input, abortSignal) =>
      client.send(new ReceiveMessageCommand(input), { abortSignal }),
    deleteMessage: (input, abortSignal) =>
      client.send(new DeleteMessageCommand(input), { abortSignal }),
    changeMessageVisibility: (input, abortSignal) =>
      client.send(new ChangeMessageVisibilityCommand(input), { abortSignal }),
    sendMessage: (input, abortSignal) =>
      client.send(new SendMessageCommand(input), { abortSignal }),
  };
}

/** The contract of the task queue. */
export const TASK_CONTRACT = "work-task";
/** SQS allows 10 message attributes per message. */
const MAX_ATTRIBUTES = 10;
const MAX_REASON_LENGTH = 1024;

export interface SqsConsumerOptions {
  api: SqsApi;
  queueUrl: string;
  deadLetterQueueUrl: string;
  waitTimeSeconds: number;
  maxMessages: number;
  visibilityTimeoutSeconds: number;
  /** The most messages in hand at once. */
  concurrency: number;
  handler: TaskHandler;
  processedIds: ProcessedIds;
  /** Options of the breaker with this name (breakerOptionsFromEnv in the app). */
  breakerOptions: (name: string) => BreakerOptions;
  logger: Logger;
  metrics: ServiceMetrics;
  /** How often visibility is extended while a handler works; defaults to half the timeout. */
  visibilityExtendIntervalMs?: number;
  /**
   * How long after receipt a message can stay invisible: SQS refuses to extend past 12 hours
   * (`SQS_MAX_VISIBILITY_TIMEOUT_SECONDS`). Extensions ask for what is left and stop there, with
   * one error log: the message then comes back to the queue while its handler still runs.
   * Tests shorten it.
   */
  maxVisibilityMs?: number;
  /** The clock the visibility limit is measured with (tests); defaults to `Date.now`. */
  now?: () => number;
  /** Pause after a failed receive before polling again. */
  pollErrorDelayMs?: number;
}

export interface SqsConsumer {
  /** The task queue, its receive and dead-letter breakers (for readiness). */
  readonly breakers: Breaker<never[], unknown>[];
  start(): void;
  /** Stops polling and waits for the messages in hand. */
  stop(): Promise<void>;
  /** Resolves when no message is in hand (for tests and local runs). */
  idle(): Promise<void>;
}

/** The trace context in a message's transport attributes. */
export function transportCarrier(message: Message): TraceCarrier {
  const attrs = message.MessageAttributes ?? {};
  return {
    ...(attrs.traceparent?.StringValue ? { traceparent: attrs.traceparent.StringValue } : {}),
    ...(attrs.tracestate?.StringValue ? { tracestate: attrs.tracestate.StringValue } : {}),
  };
}

function copyAttributes(attrs: Record<string, MessageAttributeValue> | undefined) {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, v] of Object.entries(attrs ?? {})) {
    if (name === REJECTION_REASON || Object.keys(out).length >= MAX_ATTRIBUTES - 1) continue;
    out[name] = {
      DataType: v.DataType,
      ...(v.StringValue !== undefined ? { StringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { BinaryValue: v.BinaryValue } : {}),
    };
  }
  return out;
}

type Outcome = MessageOutcome;

export function createSqsConsumer(options: SqsConsumerOptions): SqsConsumer {
  const { api, logger, metrics } = options;
  const source = queueName(options.queueUrl);
  const deps = { metrics, logger, required: true };
  const stopController = new AbortController();
  type Call = (signal: AbortSignal) => Promise<unknown>;
  const receiveOptions = options.breakerOptions("task-queue-receive");
  const receiveBreaker = createBreaker(
    "task-queue-receive",
    (signal, input: ReceiveMessageRequest) =>
      api.receiveMessage(input, AbortSignal.any([signal, stopController.signal])),
    // A long poll lasts up to WaitTimeSeconds: the breaker must not time it out.
    {
      ...receiveOptions,
      timeoutMs: Math.max(receiveOptions.timeoutMs, (options.waitTimeSeconds + 5) * 1000),
    },
    deps,
  );
  const queueBreaker = createBreaker(
    "task-queue",
    (signal, call: Call) => call(signal),
    options.breakerOptions("task-queue"),
    deps,
  );
  const deadLetterBreaker = createBreaker(
    "dead-letter-queue",
    (signal, input: SendMessageRequest) => api.sendMessage(input, signal),
    options.breakerOptions("dead-letter-queue"),
    deps,
  );
  const breakers = [receiveBreaker, queueBreaker, deadLetterBreaker] as unknown as Breaker<
    never[],
    unknown
  >[];

  let stopping = false;
  let loop: Promise<void> | undefined;
  const inHand = new Set<Promise<void>>();
  const inHandIds = new Set<string>();
  let freed: (() => void) | undefined;
  const extendEveryMs =
    options.visibilityExtendIntervalMs ?? (options.visibilityTimeoutSeconds * 1000) / 2;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopController.signal.removeEventListener("abort", done);
        resolve();
      }
      stopController.signal.addEventListener("abort", done);
    });

  const deleteMessage = (m: Message) =>
    queueBreaker.fire((signal) =>
      api.deleteMessage({ QueueUrl: options.queueUrl, ReceiptHandle: m.ReceiptHandle }, signal),
    );

  const maxVisibilityMs = options.maxVisibilityMs ?? SQS_MAX_VISIBILITY_TIMEOUT_SECONDS * 1000;
  const now = options.now ?? Date.now;

  /**
   * Extends the message's visibility every `extendEveryMs` until stopped, never past
   * `maxVisibilityMs` after `receivedAt` (SQS would refuse every further call). `receivedAt` is
   * when the receive was asked for: no later than SQS's own clock start, so the limit is never
   * overshot.
   */
  function keepInvisible(m: Message, receivedAt: number): () => void {
    const timer = setInterval(() => {
      const leftSeconds = Math.floor((maxVisibilityMs - (now() - receivedAt)) / 1000);
      if (leftSeconds < 1) {
        clearInterval(timer);
        logger.error(
          { sqs_message_id: m.MessageId, max_visibility_ms: maxVisibilityMs },
          "a message in hand reached SQS's visibility limit: it will be received again while its handler runs",
        );
        return;
      }
      queueBreaker
        .fire((signal) =>
          api.changeMessageVisibility(
            {
              QueueUrl: options.queueUrl,
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: Math.min(options.visibilityTimeoutSeconds, leftSeconds),
            },
            signal,
          ),
        )
        .catch((error: unknown) =>
          logger.warn(
            { err: error, sqs_message_id: m.MessageId },
            "could not extend the visibility of a message in hand",
          ),
        );
    }, extendEveryMs);
    return () => clearInterval(timer);
  }

  async function reject(m: Message, reason: string): Promise<void> {
    await deadLetterBreaker.fire({
      QueueUrl: options.deadLetterQueueUrl,
      MessageBody: m.Body ?? "",
      MessageAttributes: {
        ...copyAttributes(m.MessageAttributes),
        [REJECTION_REASON]: { DataType: "String", StringValue: reason.slice(0, MAX_REASON_LENGTH) },
      },
    });
    logger.warn(
      {
        reason,
        sqs_message_id: m.MessageId,
        dead_letter_queue: queueName(options.deadLetterQueueUrl),
      },
      "message rejected: sent to the dead-letter queue",
    );
    await deleteMessage(m);
  }

  async function processMessage(
    m: Message,
    parsed: Parsed<WorkTask>,
    receivedAt: number,
  ): Promise<Outcome> {
    if (!parsed.ok) {
      await reject(m, parsed.reason);
      return MESSAGE_OUTCOMES.rejected;
    }
    const envelope: Envelope<WorkTask> = parsed.envelope;
    if (inHandIds.has(envelope.id)) {
      // The same task is being handled right now (a redelivery during a long handler): leave this
      // copy; it comes back after its visibility timeout and is then a duplicate.
      logger.info(
        { message_id: envelope.id },
        "task already in hand; leaving the copy on the queue",
      );
      return MESSAGE_OUTCOMES.inProgress;
    }
    if (await options.processedIds.has(envelope.id)) {
      logger.info({ message_id: envelope.id }, "task processed already; deleting the duplicate");
      await deleteMessage(m);
      return MESSAGE_OUTCOMES.duplicate;
    }
    inHandIds.add(envelope.id);
    const stopExtending = keepInvisible(m, receivedAt);
    try {
      await options.handler(envelope);
    } finally {
      stopExtending();
      inHandIds.delete(envelope.id);
    }
    await options.processedIds.add(envelope.id);
    await deleteMessage(m);
    logger.info({ message_id: envelope.id, type: envelope.type }, "task processed");
    return MESSAGE_OUTCOMES.processed;
  }

  async function handle(m: Message, parsed: Parsed<WorkTask>, receivedAt: number): Promise<void> {
    const started = performance.now();
    const envelope = parsed.ok
      ? parsed.envelope
      : (parsed.envelope as Partial<Envelope> | undefined);
    const id = typeof envelope?.id === "string" ? envelope.id : m.MessageId;
    const type = parsed.ok ? parsed.envelope.type : "invalid";
    const receiveCount = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
    let outcome: Outcome;
    try {
      outcome = await consume(
        incomingContext(envelope, transportCarrier(m)),
        { system: "aws_sqs", name: source },
        id,
        async (span) => {
          span.setAttribute("messaging.sqs.receive_count", receiveCount);
          try {
            return await processMessage(m, parsed, receivedAt);
          } catch (error) {
            logger.error(
              {
                err: error,
                message_id: id,
                sqs_message_id: m.MessageId,
                receive_count: receiveCount,
              },
              "task failed; left on the queue, to be received again after its visibility timeout (the redrive policy moves it to the dead-letter queue after maxReceiveCount receives)",
            );
            throw error;
          }
        },
      );
    } catch {
      outcome = MESSAGE_OUTCOMES.failed;
    }
    metrics.messagesProcessed.inc({ source, type, outcome });
    metrics.messageDuration.observe({ source }, (performance.now() - started) / 1000);
  }

  function dispatch(messages: Message[], receivedAt: number): void {
    const parsed = messages.map((m) => parseMessage<WorkTask>(TASK_CONTRACT, m.Body));
    // One span for the batch, linked to each message's context; each message then gets its own
    // CONSUMER span as a child of its context (contracts/tracing.md, consumers, rule 3).
    const links: Link[] = [];
    messages.forEach((m, i) => {
      const p = parsed[i];
      const ctx = trace.getSpanContext(
        incomingContext(p.ok ? p.envelope : p.envelope, transportCarrier(m)),
      );
      if (ctx) links.push({ context: ctx });
    });
    const batch = trace.getTracer("@acme/worker").startSpan(
      `receive ${source}`,
      {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          "messaging.system": "aws_sqs",
          "messaging.destination.name": source,
          "messaging.operation.type": "receive",
          "messaging.batch.message_count": messages.length,
        },
      },
      ROOT_CONTEXT,
    );
    const all = messages.map((m, i) => {
      const work = handle(m, parsed[i], receivedAt);
      inHand.add(work);
      void work.finally(() => {
        inHand.delete(work);
        freed?.();
      });
      return work;
    });
    void Promise.all(all).finally(() => batch.end());
  }

  async function waitForSlot(): Promise<void> {
    while (inHand.size >= options.concurrency && !stopping) {
      await new Promise<void>((resolve) => (freed = resolve));
    }
  }

  async function poll(): Promise<void> {
    while (!stopping) {
      await waitForSlot();
      if (stopping) break;
      const open = breakers.find((b) => b.state() === "open");
      if (open) {
        // No point polling for messages that could not be deleted or rejected: wait for the probe.
        const ms = Math.max(100, open.msUntilProbe());
        logger.warn({ breaker: open.name, pause_ms: ms }, "circuit breaker open: polling paused");
        await sleep(ms);
        continue;
      }
      let result: ReceiveMessageResult;
      const requestedAt = now();
      try {
        result = await receiveBreaker.fire({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: Math.min(options.maxMessages, options.concurrency - inHand.size),
          WaitTimeSeconds: options.waitTimeSeconds,
          VisibilityTimeout: options.visibilityTimeoutSeconds,
          MessageAttributeNames: ["All"],
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        });
      } catch (error) {
        if (stopping) break;
        logger.warn({ err: error }, "receiving from the task queue failed");
        // An open breaker is handled at the top of the loop; otherwise back off a little.
        if (!breakers.some((b) => b.state() === "open"))
          await sleep(options.pollErrorDelayMs ?? 1000);
        continue;
      }
      if (result.Messages && result.Messages.length > 0) dispatch(result.Messages, requestedAt);
    }
  }

  return {
    breakers,
    start() {
      if (loop) return;
      loop = poll();
    },
    async stop() {
      stopping = true;
      stopController.abort();
      freed?.();
      await loop;
      await Promise.allSettled([...inHand]);
      for (const b of breakers) b.shutdown();
    },
    async idle() {
      while (inHand.size > 0) await Promise.allSettled([...inHand]);
    },
  };
}
