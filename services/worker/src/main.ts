/**
 * The worker's entry point. OpenTelemetry starts first, before the AWS SDK and Fastify are loaded,
 * so its instrumentations patch them; the application is imported afterwards.
 */
import { startTelemetry } from "@acme/service-kit/telemetry";

const telemetry = startTelemetry("worker");

async function main(): Promise<void> {
  const { ConfigError, flushTelemetryStep, shutdownOnSignals } = await import("@acme/service-kit");
  const { readWorkerConfig } = await import("./config");
  const { buildWorker } = await import("./app");

  let config;
  try {
    config = readWorkerConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // As Service A: the problems on stderr, exit code 2 (a configuration error, not a crash).
    process.stderr.write(`worker: ${error.message}\n`);
    process.exit(2);
  }

  const worker = buildWorker(config);
  const server = worker.httpServer();
  // Before starting: a SIGTERM during start-up drains as well.
  shutdownOnSignals({
    logger: worker.logger,
    readiness: worker.readiness,
    drainDelayMs: config.drainDelayMs,
    graceMs: config.graceMs,
    steps: [
      { name: "http server", run: () => server.close() },
      { name: "consumers", run: () => worker.stopConsumers() },
      { name: "event bus", run: () => worker.closeBus() },
      flushTelemetryStep(telemetry, worker.logger),
    ],
  });
  await worker.start();
  await server.listen({ port: config.port, host: "0.0.0.0" });
  worker.logger.info({ port: config.port }, "serving /healthz, /readyz and /metrics");
}

main().catch((error: unknown) => {
  process.stderr.write(`worker failed to start: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
