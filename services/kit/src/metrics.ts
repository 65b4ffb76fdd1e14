/**
 * Prometheus metrics of a service: one registry per service instance (so tests can run several in
 * one process), Node.js process metrics, and the families every service shares. Names follow the
 * Prometheus conventions and are what the platform's alert rules and dashboards query.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { HTTP_DURATION_BUCKETS_SECONDS, MESSAGE_OUTCOMES, METRIC_NAMES } from "./conventions";

/** The circuit breaker states, as the `state` label of `circuit_breaker_state`. */
export const BREAKER_STATES = ["closed", "open", "half_open"] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** The breaker events counted in `circuit_breaker_events_total` (opossum's event names). */
export const BREAKER_EVENTS = [
  "success",
  "failure",
  "timeout",
  "reject",
  "semaphoreLocked",
  "fallback",
  "open",
  "halfOpen",
  "close",
] as const;
export type BreakerEvent = (typeof BREAKER_EVENTS)[number];

/** The metric families every service exposes on /metrics. */
export interface ServiceMetrics {
  registry: Registry;
  /** 1 for the breaker's current state, 0 for the others. */
  breakerState: Gauge<"breaker" | "state">;
  /** Breaker events by breaker and event. */
  breakerEvents: Counter<"breaker" | "event">;
  /** HTTP requests served, by method, route template and status code. */
  httpRequestDuration: Histogram<"method" | "route" | "status_code">;
  /** Messages consumed, by source (queue or topic), message type and outcome. */
  messagesProcessed: Counter<"source" | "type" | "outcome">;
  /** Time to process one message, by source. */
  messageDuration: Histogram<"source">;
}

/** Creates a service's registry with its default labels (`service`). */
export function createMetrics(service: string, options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const metrics: ServiceMetrics = {
    registry,
    breakerState: new Gauge({
      name: METRIC_NAMES.breakerState,
      help: "Circuit breaker state: 1 for the current state of each breaker, 0 for the others.",
      labelNames: ["breaker", "state"],
      registers: [registry],
    }),
    breakerEvents: new Counter({
      name: METRIC_NAMES.breakerEvents,
      help: "Circuit breaker events (opossum event names).",
      labelNames: ["breaker", "event"],
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: METRIC_NAMES.httpRequestDuration,
      help: "Duration of HTTP requests served, by route template.",
      labelNames: ["method", "route", "status_code"],
      buckets: [...HTTP_DURATION_BUCKETS_SECONDS],
      registers: [registry],
    }),
    messagesProcessed: new Counter({
      name: METRIC_NAMES.messagesProcessed,
      help: `Messages consumed, by source, message type and outcome (${Object.values(MESSAGE_OUTCOMES).join(", ")}).`,
      labelNames: ["source", "type", "outcome"],
      registers: [registry],
    }),
    messageDuration: new Histogram({
      name: METRIC_NAMES.messageDuration,
      help: "Time to process one message.",
      labelNames: ["source"],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [registry],
    }),
  };
  return metrics;
}
