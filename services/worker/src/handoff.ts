/**
 * The workflow step's entry point (`node --enable-source-maps dist/handoff.js`, in the worker's
 * image): hands one `work-task` to the worker's task queue, in the trace of the workflow request.
 * OpenTelemetry starts first, before the AWS SDK is loaded, so its instrumentation patches it; the
 * spans are flushed before the process exits. See handoffStep.ts for what it does and
 * services/README.md for how the WorkflowTemplate runs it.
 *
 *   node dist/handoff.js --request-id <uuid> --workflow-template <name> --parameters '<json>' \
 *     --traceparent '<traceparent or empty>' [--task <name>] [--sequence <n>]
 */
import { startTelemetry } from "@acme/service-kit/telemetry";

const telemetry = startTelemetry("worker-handoff");

async function main(): Promise<number> {
  const { runHandoff } = await import("./handoffStep");
  const code = await runHandoff(process.argv.slice(2), { env: process.env });
  await telemetry.shutdown().catch((error: unknown) => {
    process.stderr.write(`handoff: spans not flushed: ${String(error)}\n`);
  });
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`handoff failed: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
