import { finishedSpans, resetSpans } from "@acme/service-kit/testing";
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { createMetrics } from "@acme/service-kit";
import { SpanKind } from "@opentelemetry/api";
import { createDomainEventHandler, deadLetterTopic, MAX_HANDLING_ATTEMPTS } from "./domainEvents";
import { InMemoryEventBus } from "./eventBus";
import { BoundedProcessedIds, type ProcessedIds } from "./processedIds";
import { captureLogs } from "./testSupport";

const TOPIC = "domain-events";
const GROUP = "worker";

function domainEvent(id: string) {
  return {
    specversion: "1.0",
    id,
    source: "/orders",
    type: "com.acme.orders.order-placed.v1",
    time: "2026-11-29T21:00:00Z",
    datacontenttype: "application/json",
    subject: "o-123",
    traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    data: {
      aggregateType: "order",
      aggregateId: "o-123",
      sequence: 0,
      occurredAt: "2026-11-29T21:00:00Z",
      payload: { total: 12 },
    },
  };
}

async function consumeAll(
  bus: InMemoryEventBus,
  processedIds: ProcessedIds = new BoundedProcessedIds(100),
) {
  const { logger, lines } = captureLogs();
  const metrics = createMetrics("worker", { processMetrics: false });
  const handler = createDomainEventHandler({
    topic: TOPIC,
    publish: (topic, record) => bus.publish(topic, record),
    processedIds,
    logger,
    metrics,
  });
  const subscription = await bus.subscribe(TOPIC, GROUP, handler);
  await bus.idle(TOPIC, GROUP);
  await subscription.stop();
  return { logs: lines, metrics };
}

describe("domain-events consumer", () => {
  beforeEach(async () => {
    await finishedSpans(); // hands over late spans of earlier tests before forgetting them
    resetSpans();
  });

  it("publishes an invalid record unchanged to domain-events.dlt with its reason, and commits it", async () => {
    const bus = new InMemoryEventBus();
    const invalid = JSON.stringify({ ...domainEvent("e-1"), subject: undefined });
    await bus.publish(TOPIC, {
      key: "o-123",
      value: invalid,
      headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
    });
    const { logs, metrics } = await consumeAll(bus);

    const [dead, ...more] = bus.records("domain-events.dlt");
    assert.equal(more.length, 0);
    assert.equal(dead.value.toString("utf8"), invalid, "the value is unchanged");
    assert.equal(dead.key?.toString("utf8"), "o-123");
    assert.equal(
      dead.headers.traceparent.toString("utf8"),
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    );
    const reason = dead.headers["rejection-reason"].toString("utf8");
    assert.match(
      reason,
      /does not match domain-event: \/subject must have required property 'subject'/,
    );
    assert.equal(bus.committed(TOPIC, GROUP), 1n, "the offset is committed");
    assert.ok(logs.some((l) => l.level === "warn" && l.reason === reason));
    const counted = await metrics.messagesProcessed.get();
    assert.deepEqual(
      counted.values.map((v) => [v.labels.outcome, v.value]),
      [["rejected", 1]],
    );
  });

  it("handles a valid event in a span that continues the producer's trace, once per envelope id", async () => {
    const bus = new InMemoryEventBus();
    const event = JSON.stringify(domainEvent("e-2"));
    await bus.publish(TOPIC, { key: "o-123", value: event });
    await bus.publish(TOPIC, { key: "o-123", value: event });
    const { logs, metrics } = await consumeAll(bus);

    assert.equal(bus.records("domain-events.dlt").length, 0);
    assert.equal(bus.committed(TOPIC, GROUP), 2n);
    const counted = await metrics.messagesProcessed.get();
    assert.deepEqual(counted.values.map((v) => [v.labels.outcome, v.value]).sort(), [
      ["duplicate", 1],
      ["processed", 1],
    ]);
    const received = logs.filter((l) => l.message === "domain event received");
    assert.equal(received.length, 1);
    assert.equal(received[0].trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    const spans = (await finishedSpans()).filter((s) => s.name === "process domain-events");
    assert.equal(spans.length, 2);
    for (const span of spans) {
      assert.equal(span.kind, SpanKind.CONSUMER);
      assert.equal(span.spanContext().traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
      assert.equal(span.parentSpanContext?.spanId, "00f067aa0ba902b7");
    }
  });

  it("keeps the headers of a record that is not an envelope when it rejects it", async () => {
    const bus = new InMemoryEventBus();
    await bus.publish(TOPIC, { value: "{}", headers: { traceparent: "not-a-context" } });
    await consumeAll(bus);
    assert.equal(
      bus.records("domain-events.dlt")[0].headers.traceparent.toString(),
      "not-a-context",
    );
  });

  it("gives a record whose handling keeps failing up after MAX_HANDLING_ATTEMPTS: dead-lettered with the error, committed", async () => {
    const bus = new InMemoryEventBus({ retryDelayMs: 1 });
    await bus.publish(TOPIC, { key: "o-123", value: JSON.stringify(domainEvent("e-stuck")) });
    await bus.publish(TOPIC, { key: "o-124", value: JSON.stringify(domainEvent("e-next")) });
    let calls = 0;
    const failing: ProcessedIds = {
      has: async (id) => {
        if (id === "e-stuck") {
          calls += 1;
          throw new Error("store unavailable");
        }
        return false;
      },
      add: async () => undefined,
    };
    const { logs } = await consumeAll(bus, failing);
    assert.equal(calls, MAX_HANDLING_ATTEMPTS);
    const [dead, ...more] = bus.records(deadLetterTopic(TOPIC));
    assert.equal(more.length, 0);
    assert.equal(JSON.parse(dead.value.toString("utf8")).id, "e-stuck");
    assert.equal(
      dead.headers["rejection-reason"].toString("utf8"),
      `handling failed ${MAX_HANDLING_ATTEMPTS} times: store unavailable`,
    );
    assert.equal(
      bus.committed(TOPIC, GROUP),
      2n,
      "both records committed: the next one was not held up",
    );
    assert.ok(logs.some((l) => l.message === "record given up: sent to the dead-letter topic"));
  });
});
