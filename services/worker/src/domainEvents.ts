/**
 * The consumer of the domain-events topic. Each record is validated against `domain-event`; one
 * that fails is published unchanged (key, value, headers) to `<topic>.dlt` with a
 * `rejection-reason` header and committed. A valid one continues the producer's trace (envelope
 * first, then the record's `traceparent` header) in a CONSUMER span, is skipped if its envelope id
 * was processed already, and otherwise goes to the reference handler (a log line and a metric).
 * The bus commits the offset after this returns.
 */
import {
  consume,
  MESSAGE_OUTCOMES,
  incomingContext,
  parseMessage,
  REJECTION_REASON,
  type Envelope,
  type Logger,
  type ServiceMetrics,
} from "@acme/service-kit";
import type { EventBus, IncomingRecord, RecordHandler } from "./eventBus";
import type { ProcessedIds } from "./processedIds";
import type { DomainEventData } from "./tasks";

export const EVENT_CONTRACT = "domain-event";

/** Publishes a record unchanged (key, value, headers) to `<topic>.dlt`, with why in a header. */
async function deadLetter(
  publish: EventBus["publish"],
  topic: string,
  record: IncomingRecord,
  reason: string,
): Promise<string> {
  const dlt = deadLetterTopic(topic);
  await publish(dlt, {
    ...(record.key !== undefined ? { key: record.key } : {}),
    value: record.value,
    headers: { ...record.headers, [REJECTION_REASON]: reason },
  });
  return dlt;
}

/**
 * How many times a valid record is handled before it is given up: then it goes to the
 * dead-letter topic with the last error as its reason and is committed, so one record that keeps
 * failing does not hold its partition forever.
 */
export const MAX_HANDLING_ATTEMPTS = 5;

/** The dead-letter topic of a topic (the contract's `<topic>.dlt`). */
export const deadLetterTopic = (topic: string) => `${topic}.dlt`;

export function createDomainEventHandler(deps: {
  topic: string;
  publish: EventBus["publish"];
  processedIds: ProcessedIds;
  logger: Logger;
  metrics: ServiceMetrics;
  /** @default MAX_HANDLING_ATTEMPTS */
  maxAttempts?: number;
}): RecordHandler {
  const { logger, metrics, topic } = deps;
  const maxAttempts = deps.maxAttempts ?? MAX_HANDLING_ATTEMPTS;
  const attempts = new Map<string, number>();
  const handle = handleOne(deps);
  return async (record: IncomingRecord) => {
    const at = `${record.topic}/${record.partition}/${record.offset}`;
    try {
      await handle(record);
      attempts.delete(at);
    } catch (error) {
      const attempt = (attempts.get(at) ?? 0) + 1;
      if (attempt < maxAttempts) {
        attempts.set(at, attempt);
        throw error; // the bus offers it again and does not commit
      }
      attempts.delete(at);
      const reason = `handling failed ${attempt} times: ${error instanceof Error ? error.message : String(error)}`;
      const dlt = await deadLetter(deps.publish, topic, record, reason);
      logger.error(
        {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset.toString(),
          reason,
          dead_letter_topic: dlt,
        },
        "record given up: sent to the dead-letter topic",
      );
      metrics.messagesProcessed.inc({
        source: topic,
        type: "unknown",
        outcome: MESSAGE_OUTCOMES.deadLettered,
      });
    }
  };
}

/** Handles one record once: validation, dead-lettering of invalid ones, dedupe, the handler. */
function handleOne(deps: {
  topic: string;
  publish: EventBus["publish"];
  processedIds: ProcessedIds;
  logger: Logger;
  metrics: ServiceMetrics;
}): RecordHandler {
  const { logger, metrics, topic } = deps;
  return async (record: IncomingRecord) => {
    const started = performance.now();
    const parsed = parseMessage<DomainEventData>(EVENT_CONTRACT, record.value.toString("utf8"));
    const type = parsed.ok ? parsed.envelope.type : "invalid";
    const count = (outcome: string) => {
      metrics.messagesProcessed.inc({ source: topic, type, outcome });
      metrics.messageDuration.observe({ source: topic }, (performance.now() - started) / 1000);
    };
    const where = {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset.toString(),
    };
    if (!parsed.ok) {
      const dlt = await deadLetter(deps.publish, topic, record, parsed.reason);
      logger.warn(
        { ...where, reason: parsed.reason, dead_letter_topic: dlt },
        "record rejected: sent to the dead-letter topic",
      );
      count(MESSAGE_OUTCOMES.rejected);
      return;
    }
    const envelope: Envelope<DomainEventData> = parsed.envelope;
    const carrier = {
      ...(record.headers.traceparent
        ? { traceparent: record.headers.traceparent.toString("utf8") }
        : {}),
      ...(record.headers.tracestate
        ? { tracestate: record.headers.tracestate.toString("utf8") }
        : {}),
    };
    try {
      const outcome = await consume(
        incomingContext(envelope, carrier),
        { system: "kafka", name: topic },
        envelope.id,
        async (span) => {
          span.setAttribute("messaging.kafka.offset", Number(record.offset));
          span.setAttribute("messaging.destination.partition.id", String(record.partition));
          if (await deps.processedIds.has(envelope.id)) {
            logger.info({ ...where, message_id: envelope.id }, "event processed already; skipped");
            return "duplicate";
          }
          const { aggregateType, aggregateId, sequence } = envelope.data;
          logger.info(
            {
              ...where,
              message_id: envelope.id,
              type: envelope.type,
              aggregate_type: aggregateType,
              aggregate_id: aggregateId,
              sequence,
            },
            "domain event received",
          );
          await deps.processedIds.add(envelope.id);
          return "processed";
        },
      );
      count(outcome);
    } catch (error) {
      count("failed");
      throw error;
    }
  };
}
