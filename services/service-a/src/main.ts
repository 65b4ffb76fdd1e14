/**
 * Runs Service A. Telemetry starts before anything it instruments is loaded (Fastify, the HTTP
 * server, the AWS SDK), so the application is imported only afterwards.
 */
import { startTelemetry } from "@acme/service-kit/telemetry";

const telemetry = startTelemetry("service-a");

async function main(): Promise<void> {
  const { ConfigError, flushTelemetryStep, listenService, shutdownOnSignals } =
    await import("@acme/service-kit");
  const { readConfig } = await import("./config");
  const { buildServiceA } = await import("./app");
  let config;
  try {
    config = readConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`service-a: ${error.message}\n`);
    process.exit(2);
  }
  const service = buildServiceA(config);
  shutdownOnSignals({
    logger: service.logger,
    readiness: service.readiness,
    drainDelayMs: config.drainDelayMs,
    graceMs: config.graceMs,
    steps: [
      { name: "http server", run: () => service.app.close() },
      { name: "circuit breakers", run: async () => service.breakers.forEach((b) => b.shutdown()) },
      flushTelemetryStep(telemetry, service.logger),
    ],
  });
  const { tlsPort } = await listenService(service.app, { port: config.port, host: config.host });
  service.logger.info(
    {
      port: config.port,
      tls_port: tlsPort,
      submitter: config.submitter,
      request_store: config.requestStore,
    },
    "service-a listening",
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`service-a failed to start: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
