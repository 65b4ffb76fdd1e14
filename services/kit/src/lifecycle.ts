/**
 * Graceful shutdown. On SIGTERM (Kubernetes' stop signal) or SIGINT a service:
 *  1. fails /readyz, so the endpoints controller and the mesh stop sending it new requests;
 *  2. waits `drainDelayMs` for that to take effect (requests keep being served meanwhile);
 *  3. runs its stop steps in order: stop accepting (close the server, waiting for in-flight
 *     requests), stop consuming (finish the messages in hand), flush telemetry;
 *  4. exits 0, or 1 if a step failed or the whole took longer than `graceMs`.
 * The Deployment's terminationGracePeriodSeconds must exceed drainDelayMs + graceMs.
 */
import { envVar, parse } from "./config";
import type { Readiness } from "./http";
import type { Logger } from "./logger";

/** Shutdown timings, as environment variables. */
export const SHUTDOWN_ENV = {
  drainDelayMs: envVar("SHUTDOWN_DRAIN_DELAY_MS", parse.int(0, 120_000), {
    default: 5000,
    doc: "After SIGTERM, how long the service keeps serving while failing /readyz, so traffic moves away first.",
  }),
  graceMs: envVar("SHUTDOWN_GRACE_MS", parse.int(1000, 600_000), {
    default: 20_000,
    doc: "How long the stop steps (in-flight requests, messages in hand, span flush) may take before the process exits anyway.",
  }),
};

/** One step of stopping, run in order. */
export interface StopStep {
  name: string;
  run(): Promise<void>;
}

export interface ShutdownOptions {
  logger: Logger;
  readiness: Readiness;
  drainDelayMs: number;
  graceMs: number;
  steps: StopStep[];
  /** Ends the process; tests replace it. */
  exit?: (code: number) => void;
}

/** Runs the shutdown sequence once; later calls return the same promise. */
export function shutdownSequence(options: ShutdownOptions): (signal: string) => Promise<number> {
  let running: Promise<number> | undefined;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  return (signal) => {
    running ??= (async () => {
      const { logger } = options;
      logger.info({ signal, drain_delay_ms: options.drainDelayMs }, "shutting down: draining");
      options.readiness.drain();
      await new Promise((r) => setTimeout(r, options.drainDelayMs));
      let code = 0;
      const steps = (async () => {
        for (const step of options.steps) {
          try {
            await step.run();
            logger.info({ step: step.name }, "stopped");
          } catch (error) {
            code = 1;
            logger.error({ step: step.name, err: error }, "stop step failed");
          }
        }
      })();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        steps.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), options.graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        code = 1;
        logger.error({ grace_ms: options.graceMs }, "shutdown took longer than the grace period");
      }
      logger.info({ code }, "exiting");
      logger.flush();
      exit(code);
      return code;
    })();
    return running;
  };
}

/** Runs the shutdown sequence on SIGTERM and SIGINT. */
export function shutdownOnSignals(options: ShutdownOptions): (signal: string) => Promise<number> {
  const shutdown = shutdownSequence(options);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => void shutdown(signal));
  }
  return shutdown;
}

/**
 * The stop step that flushes spans. Spans that cannot be delivered (the collector is gone) are
 * lost, but that is no failure of the service's own work: it is logged, not reflected in the
 * exit code.
 */
export function flushTelemetryStep(
  telemetry: { shutdown(): Promise<void> },
  logger: Logger,
): StopStep {
  return {
    name: "telemetry",
    run: () =>
      telemetry.shutdown().catch((error: unknown) => {
        logger.warn({ err: error }, "spans not flushed: the collector did not take them");
      }),
  };
}
