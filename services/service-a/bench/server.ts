/**
 * The benchmark's server: Service A on 127.0.0.1 at a free port, in a process of its own, started
 * by service.ts over IPC. `--protected` runs what main.ts runs: the OpenTelemetry SDK (started
 * before Fastify loads, so the HTTP and Fastify instrumentations apply), breakers and request
 * metrics. Its spans are really created and batched, by a BatchSpanProcessor with the SDK's
 * defaults, and then dropped instead of sent, so the figure is the service's cost and not a
 * collector's. `--bare` starts no SDK and builds Service A with `protections: false` (its messages still
 * carry a `traceparent`: without an SDK the kit starts an unsampled trace per message).
 *
 * Configuration comes from the environment (service.ts sets SUBMITTER=local, REQUEST_STORE=memory,
 * LOG_LEVEL=warn); PORT and HOST are ignored. With BENCH_SERVER_TIMING=1 it also times each request
 * from Fastify's onRequest to its onResponse (the service's own time, without the client's).
 * Messages: the child sends `{ port }` once it listens, answers `"stats"` with `{ submitted }` (the
 * local submitter's count) and `"timings"` with `{ timings }` (microseconds of each request since
 * the last ask); it exits when the parent disconnects.
 */
import { discardingSpanProcessor, startTelemetry } from "@acme/service-kit/telemetry";
import type { ListeningMessage } from "./report";

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== "--bare" && mode !== "--protected") {
    throw new Error(`usage: server.ts --bare | --protected (got "${mode}")`);
  }
  if (!process.send)
    throw new Error("server.ts runs as a child of service.ts, with an IPC channel");
  const protections = mode === "--protected";
  const telemetry = protections
    ? startTelemetry("service-a", {
        spanProcessors: [discardingSpanProcessor()],
      })
    : undefined;

  // Loaded only now, after the SDK, as main.ts does.
  const { readConfig } = await import("../src/config");
  const { buildServiceA } = await import("../src/app");
  const { LocalSubmitter } = await import("../src/submitter");
  const service = buildServiceA(readConfig(), { protections });
  const submitter = service.submitter;
  if (!(submitter instanceof LocalSubmitter)) throw new Error("the bench needs SUBMITTER=local");

  let timings: number[] = [];
  if (process.env.BENCH_SERVER_TIMING === "1") {
    const started = new WeakMap<object, bigint>();
    service.app.addHook("onRequest", async (request) => {
      started.set(request, process.hrtime.bigint());
    });
    service.app.addHook("onResponse", async (request) => {
      const start = started.get(request);
      if (start !== undefined) timings.push(Number(process.hrtime.bigint() - start) / 1000);
    });
  }

  await service.app.listen({ port: 0, host: "127.0.0.1" });
  const address = service.app.server.address();
  if (!address || typeof address === "string") throw new Error("no TCP address to report");
  process.on("message", (message) => {
    if (message === "stats") process.send?.({ submitted: submitter.sent.length });
    if (message === "timings") {
      process.send?.({ timings });
      timings = [];
    }
  });
  process.on("disconnect", () => {
    service.breakers.forEach((b) => b.shutdown());
    void Promise.allSettled([service.app.close(), telemetry?.shutdown()]).then(() =>
      process.exit(0),
    );
  });
  process.send({ port: address.port } satisfies ListeningMessage);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
