import { finishedSpans } from "./testing";
import * as assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { context, trace } from "@opentelemetry/api";
import {
  createHttpService,
  Readiness,
  registerContractRoutes,
  stripPathPrefix,
  toJsonSchema,
} from "./http";
import { flushTelemetryStep, shutdownSequence } from "./lifecycle";
import { createLogger } from "./logger";
import { createMetrics } from "./metrics";
import { incomingContext, produce } from "./messaging";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger("kit-test", { destination }) };
}

describe("registerContractRoutes", () => {
  const service = () =>
    createHttpService({
      logger: createLogger("kit-test", { level: "silent" }),
      metrics: createMetrics("kit-test", { processMetrics: false }),
      readiness: new Readiness(),
    });

  it("refuses a contract operation without a handler, and a handler without an operation", () => {
    assert.throws(
      () =>
        registerContractRoutes(service(), "service-a", { submitWorkflowRequest: async () => ({}) }),
      /contract service-a: no handler for operation getWorkflowRequest \(GET \/v1\/workflow-requests\/\{requestId\}\)/,
    );
    const noop = async () => ({});
    assert.throws(
      () =>
        registerContractRoutes(service(), "service-a", {
          submitWorkflowRequest: noop,
          getWorkflowRequest: noop,
          cancelWorkflowRequest: noop,
        }),
      /contract service-a has no operation cancelWorkflowRequest/,
    );
  });

  it("answers a client error of no known kind with RFC 9457's about:blank, titled by the status", async () => {
    const app = service();
    app.get("/teapot", async () => {
      throw Object.assign(new Error("short and stout"), { statusCode: 418 });
    });
    const response = await app.inject({ method: "GET", url: "/teapot" });
    assert.equal(response.statusCode, 418);
    assert.equal(response.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.deepEqual(response.json(), {
      type: "about:blank",
      title: "I'm a Teapot",
      status: 418,
      detail: "short and stout",
    });
  });

  it("turns OpenAPI 3.0 schema objects into JSON Schema", () => {
    assert.deepEqual(
      toJsonSchema({
        type: "object",
        properties: { a: { type: "string", nullable: true, example: "x" } },
        "x-note": 1,
      }),
      { type: "object", properties: { a: { type: ["string", "null"] } } },
    );
  });
});

describe("stripPathPrefix (API Gateway's stage in the backend path)", () => {
  it("removes the stage segment before routing, and nothing else", async () => {
    const app = createHttpService({
      logger: createLogger("kit-test", { level: "silent" }),
      metrics: createMetrics("kit-test", { processMetrics: false }),
      readiness: new Readiness(),
      stripPathPrefix: "/prod",
    });
    app.get("/v1/things", async (request) => ({ url: request.url }));
    const get = async (url: string) => {
      const r = await app.inject({ method: "GET", url });
      return { status: r.statusCode, body: r.statusCode === 200 ? r.json() : undefined };
    };
    assert.deepEqual(await get("/prod/v1/things?a=1"), {
      status: 200,
      body: { url: "/v1/things?a=1" },
    });
    assert.deepEqual(await get("/v1/things"), { status: 200, body: { url: "/v1/things" } });
    // A segment that only starts like the prefix is left alone.
    assert.equal((await get("/production/v1/things")).status, 404);
    await app.close();
  });

  it("maps URLs exactly", () => {
    assert.equal(stripPathPrefix("/prod", "/prod"), "/");
    assert.equal(stripPathPrefix("/prod?x=1", "/prod"), "/?x=1");
    assert.equal(stripPathPrefix("/prod/a", "/prod"), "/a");
    assert.equal(stripPathPrefix("/prodx/a", "/prod"), "/prodx/a");
  });

  it("refuses a prefix that is not one segment, naming it", () => {
    assert.throws(
      () =>
        createHttpService({
          logger: createLogger("kit-test", { level: "silent" }),
          metrics: createMetrics("kit-test", { processMetrics: false }),
          readiness: new Readiness(),
          stripPathPrefix: "prod/v1",
        }),
      /stripPathPrefix "prod\/v1" must be one path segment/,
    );
  });
});

describe("createLogger", () => {
  it("writes JSON lines with message, service, level and the active span's ids, and redacts credentials", () => {
    const { lines, logger } = capture();
    const span = trace.getTracer("kit-test").startSpan("work");
    logger.info(
      { req: { headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIA..." } } },
      "outside",
    );
    context.with(trace.setSpan(context.active(), span), () =>
      logger.warn({ user: { password: "hunter2" } }, "inside"),
    );
    span.end();
    assert.equal(lines[0].message, "outside");
    assert.equal(lines[0].service, "kit-test");
    assert.equal(lines[0].level, "info");
    assert.equal(lines[0].trace_id, undefined);
    assert.deepEqual(lines[0].req, { headers: { authorization: "[redacted]" } });
    assert.equal(lines[1].trace_id, span.spanContext().traceId);
    assert.equal(lines[1].span_id, span.spanContext().spanId);
    assert.deepEqual(lines[1].user, { password: "[redacted]" });
  });
});

describe("produce and incomingContext", () => {
  it("puts the producer span's context in the envelope and the carrier, and a consumer continues it", async () => {
    const sent = await produce(
      {
        contract: "work-task",
        type: "com.acme.workflow.task.v1",
        source: "/tests",
        data: {
          requestId: "0f8fad5b-d9cb-469f-a165-70867728950e",
          workflowTemplate: "nightly-report",
          task: "render",
          sequence: 0,
          parameters: {},
        },
      },
      { system: "aws_sqs", name: "tasks" },
      async (envelope, carrier) => ({ envelope, carrier }),
    );
    assert.equal(sent.carrier.traceparent, sent.envelope.traceparent);
    const producer = (await finishedSpans()).find((s) => s.name === "send tasks");
    assert.ok(producer);
    assert.equal(
      sent.envelope.traceparent,
      `00-${producer.spanContext().traceId}-${producer.spanContext().spanId}-01`,
    );
    // The envelope wins over the transport; a malformed envelope value falls back to it.
    const transport = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
    assert.equal(
      trace.getSpanContext(incomingContext(sent.envelope, transport))?.traceId,
      producer.spanContext().traceId,
    );
    assert.equal(
      trace.getSpanContext(incomingContext({ traceparent: "00-zz" }, transport))?.traceId,
      "0af7651916cd43dd8448eb211c80319c",
    );
    assert.equal(trace.getSpanContext(incomingContext({}, {})), undefined);
  });

  it("refuses to send a message that breaks its contract, naming the field", async () => {
    let sent = false;
    await assert.rejects(
      produce(
        {
          contract: "work-task",
          type: "com.acme.workflow.task.v1",
          source: "/tests",
          data: { task: "Render" },
        },
        { system: "aws_sqs", name: "tasks" },
        async () => {
          sent = true;
        },
      ),
      /message does not match contract work-task: .*\/data\/task must match pattern/,
    );
    assert.equal(sent, false);
  });
});

describe("shutdownSequence", () => {
  it("fails readiness first, waits the drain delay, runs the stop steps in order and exits 0", async () => {
    const { logger } = capture();
    const readiness = new Readiness();
    const order: string[] = [];
    let exitCode: number | undefined;
    const shutdown = shutdownSequence({
      logger,
      readiness,
      drainDelayMs: 20,
      graceMs: 5000,
      steps: [
        {
          name: "server",
          run: async () => void order.push(`server:${readiness.reasons().join()}`),
        },
        { name: "telemetry", run: async () => void order.push("telemetry") },
      ],
      exit: (code) => {
        exitCode = code;
      },
    });
    const done = shutdown("SIGTERM");
    assert.deepEqual(readiness.reasons(), ["draining before shutdown"]);
    assert.deepEqual(order, [], "nothing stops during the drain delay");
    assert.equal(await done, 0);
    assert.deepEqual(order, ["server:draining before shutdown", "telemetry"]);
    assert.equal(exitCode, 0);
    assert.equal(await shutdown("SIGINT"), 0, "a second signal joins the first shutdown");
  });

  it("exits 1 when a step fails or the steps outlast the grace period", async () => {
    const { logger, lines } = capture();
    const failing = shutdownSequence({
      logger,
      readiness: new Readiness(),
      drainDelayMs: 0,
      graceMs: 5000,
      steps: [{ name: "consumer", run: async () => Promise.reject(new Error("stuck")) }],
      exit: () => undefined,
    });
    assert.equal(await failing("SIGTERM"), 1);
    assert.ok(lines.some((l) => l.message === "stop step failed" && l.step === "consumer"));
    const slow = shutdownSequence({
      logger,
      readiness: new Readiness(),
      drainDelayMs: 0,
      graceMs: 1000,
      steps: [{ name: "forever", run: () => new Promise<void>(() => undefined) }],
      exit: () => undefined,
    });
    assert.equal(await slow("SIGTERM"), 1);
  });
});

describe("flushTelemetryStep", () => {
  it("logs spans it could not flush instead of failing the shutdown", async () => {
    const { logger, lines } = capture();
    const step = flushTelemetryStep(
      { shutdown: () => Promise.reject(new Error("ECONNREFUSED")) },
      logger,
    );
    await step.run();
    assert.ok(
      lines.some((l) => l.message === "spans not flushed: the collector did not take them"),
    );
  });
});
