/**
 * JSON logs (pino) in the shape the platform's Logstash pipeline reads: `message`, `service`,
 * `level` as a word, and `trace_id`/`span_id` of the active span on every line, so Kibana links a
 * log line to its trace. Credentials in headers and known secret fields are redacted.
 */
import { trace } from "@opentelemetry/api";
import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/** Paths pino replaces with "[redacted]" wherever they appear in a log object. */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-amz-security-token"]',
  "*.password",
  "*.secret",
  "*.token",
  "*.sessionToken",
];

/** Creates the service's logger; `destination` is for tests (defaults to stdout). */
export function createLogger(
  service: string,
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? "info",
      messageKey: "message",
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      mixin() {
        const context = trace.getActiveSpan()?.spanContext();
        return context ? { trace_id: context.traceId, span_id: context.spanId } : {};
      },
    },
    options.destination,
  );
}
