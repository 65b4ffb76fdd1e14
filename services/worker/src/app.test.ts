import { finishedSpans, resetSpans } from "@acme/service-kit/testing";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMetrics } from "@acme/service-kit";
import { buildWorker } from "./app";
import { readWorkerConfig } from "./config";
import { InMemoryEventBus } from "./eventBus";
import { LOCAL_TASK_QUEUE_URL } from "./localQueue";
import { captureLogs } from "./testSupport";

const TASK = {
  requestId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  workflowTemplate: "nightly-report",
  task: "render",
  sequence: 0,
  parameters: { reportDate: "2026-03-13" },
};

describe("worker in local mode", () => {
  it("takes a task on POST /local/tasks through the local queue to a consumed domain event, in one trace", async () => {
    await finishedSpans(); // hands over late spans of earlier tests before forgetting them
    resetSpans();
    const bus = new InMemoryEventBus();
    const { logger } = captureLogs();
    const worker = buildWorker(readWorkerConfig({}), {
      bus,
      logger,
      metrics: createMetrics("worker", { processMetrics: false }),
      env: {},
    });
    const server = worker.httpServer();
    await worker.start();
    try {
      const accepted = await server.inject({ method: "POST", url: "/local/tasks", payload: TASK });
      assert.equal(accepted.statusCode, 202);
      const rejected = await server.inject({
        method: "POST",
        url: "/local/tasks",
        payload: { ...TASK, task: "Not A Label" },
      });
      assert.equal(rejected.statusCode, 400);
      assert.match(rejected.json().detail, /\/data\/task must match pattern/);

      await worker.tasks.idle();
      // Every task was handled once its message left the queue.
      while (
        worker.local!.messages(LOCAL_TASK_QUEUE_URL).length > 0 ||
        bus.records("domain-events").length === 0
      ) {
        await worker.tasks.idle();
        await new Promise((r) => setImmediate(r));
      }
      await bus.idle("domain-events", "worker");
    } finally {
      await worker.stopConsumers();
      await worker.closeBus();
    }
    const counted = await worker.metrics.messagesProcessed.get();
    assert.deepEqual(
      counted.values.map((v) => [v.labels.source, v.labels.outcome, v.value]).sort(),
      [
        ["domain-events", "processed", 1],
        ["task-queue", "processed", 1],
      ],
    );
    const spans = await finishedSpans();
    const processTask = spans.find((s) => s.name === "process task-queue");
    const processEvent = spans.find((s) => s.name === "process domain-events");
    assert.ok(processTask && processEvent);
    assert.equal(processEvent.spanContext().traceId, processTask.spanContext().traceId);
    const readiness = await server.inject({ method: "GET", url: "/readyz" });
    assert.equal(readiness.statusCode, 200);
  });
});
