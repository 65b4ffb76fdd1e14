/**
 * Test support: the OpenTelemetry SDK with an in-memory exporter, started once per test process.
 * Import this module before anything that loads Fastify or the AWS SDK, as main.ts does with
 * telemetry.ts, so the instrumentations see those modules load.
 */
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace";
import { startTelemetry } from "./telemetry";

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
startTelemetry("test", { spanProcessors: [processor] });

/** The spans finished so far in this process (after the processor has handed them all over). */
export async function finishedSpans(): Promise<ReadableSpan[]> {
  await processor.forceFlush();
  return exporter.getFinishedSpans();
}

/** Forgets the spans finished so far. */
export function resetSpans(): void {
  exporter.reset();
}
