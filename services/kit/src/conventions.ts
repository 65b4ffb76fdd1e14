/**
 * What the platform relies on every service to expose, with no imports: the kit implements it
 * (http.ts, metrics.ts) and the infrastructure points at it (probes and mesh routes in
 * components/services, alert rules and dashboards in serviceObservability.ts), so both read it
 * from here.
 */

/** The operational routes every service serves. */
export const OPERATIONAL_PATHS = {
  /** Alive while the process runs (the liveness probe). */
  liveness: "/healthz",
  /** Ready for traffic: fails while draining or while a required breaker is open. */
  readiness: "/readyz",
  /** Prometheus exposition. */
  metrics: "/metrics",
} as const;

/** The metric families of a service. */
export const METRIC_NAMES = {
  /** Histogram of HTTP requests served, labels method, route, status_code. */
  httpRequestDuration: "http_server_request_duration_seconds",
  /** Counter of messages consumed, labels source, type, outcome. */
  messagesProcessed: "messages_processed_total",
  /** Histogram of message processing time, label source. */
  messageDuration: "message_processing_duration_seconds",
  /** Gauge, 1 for each breaker's current state, labels breaker, state. */
  breakerState: "circuit_breaker_state",
  /** Counter of breaker events (opossum's), labels breaker, event. */
  breakerEvents: "circuit_breaker_events_total",
} as const;

/** The HTTP duration histogram's buckets (seconds); a latency objective uses one of them. */
export const HTTP_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** The `outcome` label of `messages_processed_total`. */
export const MESSAGE_OUTCOMES = {
  processed: "processed",
  duplicate: "duplicate",
  rejected: "rejected",
  failed: "failed",
  /** A copy of a message this process is handling right now; left for later. */
  inProgress: "in-progress",
  /** Given up after repeated failures and sent to the dead-letter queue or topic. */
  deadLettered: "dead-lettered",
} as const;
export type MessageOutcome = (typeof MESSAGE_OUTCOMES)[keyof typeof MESSAGE_OUTCOMES];

/**
 * SQS's limit on a message's invisibility, counted from when it was received: a visibility timeout
 * (the queue's, or any ChangeMessageVisibility) cannot take it past 12 hours. The queues' settings
 * (components/messaging/queue.ts) and the consumers' extensions both stop there.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
 */
export const SQS_MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
