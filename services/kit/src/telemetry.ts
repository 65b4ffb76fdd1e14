/**
 * OpenTelemetry for a service: the Node SDK with the HTTP, Fastify and AWS SDK instrumentations,
 * exporting over OTLP to wherever the standard OTEL_* variables point (the platform's collector in
 * the cluster). Start it before the code it instruments is loaded: `main.ts` imports this module
 * first and loads the application afterwards.
 *
 * Metrics go to Prometheus through prom-client (/metrics) and logs to stdout, so the SDK exports
 * traces only.
 */
import { FastifyOtelInstrumentation } from "@fastify/otel";
import { AwsInstrumentation } from "@opentelemetry/instrumentation-aws-sdk";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { startNodeSdk } from "@opentelemetry/sdk-node";
import { OPERATIONAL_PATHS } from "./conventions";
import { ExportResultCode } from "@opentelemetry/core";
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace";

/** Paths that are not traced: probes and scrapes. */
export const UNTRACED_PATHS: readonly string[] = Object.values(OPERATIONAL_PATHS);

/** The instrumentations every service uses. */
export function instrumentations() {
  return [
    // Outgoing calls only: the Fastify instrumentation makes the server span, with the route
    // template, from the incoming traceparent. Both on the incoming side doubled the span work
    // for nothing (npm run bench:service measured it at half the service's throughput).
    new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    // One server span per request; no child span per hook and for the handler (the client spans
    // of the dependencies are the children worth having, and each span costs throughput).
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      instrumentHooks: false,
      instrumentHandler: false,
      ignorePaths: (route) => UNTRACED_PATHS.includes(route.url),
    }),
    // The SDK's own HTTP calls would otherwise show as a second span under each AWS call.
    new AwsInstrumentation({ suppressInternalInstrumentation: true }),
  ];
}

/** A running SDK; `shutdown` flushes spans not yet exported. */
export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts the SDK. `OTEL_SERVICE_NAME` wins over `service` when set (the Deployment sets it to the
 * app.kubernetes.io/name label). `spanProcessors` replaces the OTLP exporter (tests pass an
 * in-memory one); without it `OTEL_TRACES_EXPORTER` and `OTEL_EXPORTER_OTLP_*` decide.
 */
export function startTelemetry(
  service: string,
  options: { spanProcessors?: SpanProcessor[] } = {},
): Telemetry {
  return startNodeSdk({
    resourceAttributes: { "service.name": process.env.OTEL_SERVICE_NAME || service },
    instrumentations: instrumentations(),
    metricReaders: [],
    logRecordProcessors: [],
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
  });
}

/**
 * A span processor that batches like the OTLP pipeline (BatchSpanProcessor, the SDK's defaults)
 * and then drops the spans: what benchmarks use, so they measure the service's cost of tracing
 * and not a collector's.
 */
export function discardingSpanProcessor(): SpanProcessor {
  return new BatchSpanProcessor({
    exporter: {
      export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
      shutdown: async () => undefined,
    },
  });
}
