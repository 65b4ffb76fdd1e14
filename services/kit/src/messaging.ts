/**
 * Messages on queues and topics: CloudEvents envelopes validated against their contract, with the
 * trace carried as contracts/tracing.md prescribes. A producer span's context goes into the
 * envelope (`traceparent`, `tracestate`) and the same values into the transport's attributes or
 * headers; a consumer continues the envelope's context first, the transport's second.
 */
import { randomBytes, randomUUID } from "node:crypto";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from "@opentelemetry/api";
import {
  messageContract,
  TRACEPARENT_PATTERN,
  validateMessage,
  type MessageError,
} from "@acme/contracts";
import { suppressTracing } from "@opentelemetry/core";

const tracer = () => trace.getTracer("@acme/service-kit");

/** The trace context fields a message carries. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** A CloudEvents 1.0 envelope (contracts/messages/envelope.schema.json). */
export interface Envelope<T = Record<string, unknown>> {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  time: string;
  datacontenttype: "application/json";
  dataschema?: string;
  subject?: string;
  traceparent: string;
  tracestate?: string;
  data: T;
}

/** An outgoing message failed its own contract: a bug in the producer, never sent. */
export class InvalidMessageError extends Error {
  constructor(
    readonly contract: string,
    readonly errors: MessageError[],
  ) {
    super(
      `message does not match contract ${contract}: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}`,
    );
    this.name = "InvalidMessageError";
  }
}

/** What a producer says about the message it sends. */
export interface OutgoingMessage<T> {
  /** The contract (schema name under contracts/messages/) the message follows. */
  contract: string;
  type: string;
  source: string;
  data: T;
  subject?: string;
  /** Defaults to a new UUID. */
  id?: string;
}

/** Where a message goes, for the producer span's attributes. */
export interface Destination {
  system: "aws_sqs" | "kafka";
  name: string;
}

/**
 * Sends one message inside a PRODUCER span: builds and validates the envelope with the span's
 * context, then calls `send` with the envelope and the carrier to mirror into the transport. The
 * transport call runs with instrumentation suppressed, so no second span (with another context)
 * rewrites the transport's trace attributes.
 */
export async function produce<T extends object, R>(
  message: OutgoingMessage<T>,
  destination: Destination,
  send: (envelope: Envelope<T>, carrier: TraceCarrier) => Promise<R>,
): Promise<R> {
  const span = tracer().startSpan(`send ${destination.name}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      "messaging.system": destination.system,
      "messaging.destination.name": destination.name,
      "messaging.operation.type": "send",
    },
  });
  const spanContext = trace.setSpan(context.active(), span);
  try {
    const carrier: TraceCarrier = {};
    propagation.inject(spanContext, carrier);
    // With tracing off (OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER=none) there is no span context, but
    // the contract requires one: start an unsampled trace so consumers still correlate the hops.
    carrier.traceparent ??= `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-00`;
    const envelope: Envelope<T> = {
      specversion: "1.0",
      id: message.id ?? randomUUID(),
      source: message.source,
      type: message.type,
      time: new Date().toISOString(),
      datacontenttype: "application/json",
      dataschema: messageContract(message.contract).id,
      ...(message.subject !== undefined ? { subject: message.subject } : {}),
      traceparent: carrier.traceparent,
      ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
      data: message.data,
    };
    const errors = validateMessage(message.contract, envelope);
    if (errors.length > 0) throw new InvalidMessageError(message.contract, errors);
    span.setAttribute("messaging.message.id", envelope.id);
    return await context.with(suppressTracing(spanContext), () => send(envelope, carrier));
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Records an error on a span. */
export function recordError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : new Error(String(error)));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** The header or attribute that says why a message went to a dead-letter queue or topic. */
export const REJECTION_REASON = "rejection-reason";

/** A queue's name: the last segment of its URL (span and metric label). */
export function queueName(url: string): string {
  return url.replace(/\/+$/, "").split("/").pop() ?? url;
}

/**
 * The context to continue for an incoming message: the envelope's when it has a valid
 * traceparent (authoritative: it survives redrives and replays), else the transport's, else none.
 */
export function incomingContext(envelope: unknown, transport: TraceCarrier): Context {
  const e = envelope as TraceCarrier | undefined;
  const carrier =
    e && typeof e.traceparent === "string" && TRACEPARENT_PATTERN.test(e.traceparent)
      ? e
      : transport.traceparent && TRACEPARENT_PATTERN.test(transport.traceparent)
        ? transport
        : undefined;
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

/** The result of reading a message body against its contract. */
export type Parsed<T> =
  { ok: true; envelope: Envelope<T> } | { ok: false; reason: string; envelope?: unknown };

/** Parses a body as JSON and validates it against a contract; never throws. */
export function parseMessage<T>(contract: string, body: string | undefined): Parsed<T> {
  let value: unknown;
  try {
    value = JSON.parse(body ?? "");
  } catch (error) {
    return { ok: false, reason: `body is not JSON: ${(error as Error).message}` };
  }
  const errors = validateMessage(contract, value);
  if (errors.length > 0) {
    return {
      ok: false,
      reason: `does not match ${contract}: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}`,
      envelope: value,
    };
  }
  return { ok: true, envelope: value as Envelope<T> };
}

/**
 * Runs `handle` in a CONSUMER span that continues the message's trace. The span is a child of the
 * incoming context, as contracts/tracing.md requires for messages handled one by one.
 */
export async function consume<R>(
  parent: Context,
  source: Destination,
  messageId: string | undefined,
  handle: (span: Span) => Promise<R>,
): Promise<R> {
  const span = tracer().startSpan(
    `process ${source.name}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.system": source.system,
        "messaging.destination.name": source.name,
        "messaging.operation.type": "process",
        ...(messageId ? { "messaging.message.id": messageId } : {}),
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => handle(span));
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
}
