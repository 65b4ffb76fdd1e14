import { finishedSpans, resetSpans } from "@acme/service-kit/testing";
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { SpanKind } from "@opentelemetry/api";
import type { EventBus } from "./eventBus";
import {
  deferred,
  DLQ_URL,
  QUEUE_URL,
  sqsClient,
  sqsMessage,
  testWorker,
  workTask,
} from "./testSupport";

/**
 * Scripts ReceiveMessage: each step supplies one batch; once they are used up, receives come back
 * empty (after a short pause, as a long poll would) and `drained` resolves. By then every scripted
 * message has been dispatched, so `stop()` waits for all of them.
 */
function scriptReceives(mock: AwsClientStub<SQSClient>, steps: (() => Promise<Message[]>)[]) {
  const drained = deferred();
  let i = 0;
  mock.on(ReceiveMessageCommand).callsFake(async () => {
    const step = steps[i++];
    if (step) return { Messages: await step() };
    drained.resolve();
    await new Promise((r) => setTimeout(r, 5));
    return { Messages: [] };
  });
  return drained.promise;
}

const traceIdOf = (traceparent: string) => traceparent.split("-")[1];

describe("SQS task consumer", () => {
  let sqs: AwsClientStub<SQSClient>;
  let client: SQSClient;
  beforeEach(async () => {
    client = sqsClient();
    sqs = mockClient(client);
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: "dlq-1" });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    await finishedSpans(); // spans of the previous test, exported late, must not leak into this one
    resetSpans();
  });

  it("processes a valid task: publishes the domain event with the trace in its headers, then deletes the message", async () => {
    const task = workTask();
    const message = sqsMessage(task);
    const drained = scriptReceives(sqs, [async () => [message]]);
    const { worker, bus } = testWorker(client);
    worker.tasks.start();
    await drained;
    await worker.tasks.stop();

    const [record, ...more] = bus.records("domain-events");
    assert.equal(more.length, 0);
    assert.equal(record.key?.toString("utf8"), task.data.requestId);
    const event = JSON.parse(record.value.toString("utf8"));
    assert.equal(event.type, "com.acme.workflow.task-completed.v1");
    assert.equal(event.subject, task.data.requestId);
    assert.deepEqual(
      { ...event.data, occurredAt: "x" },
      {
        aggregateType: "workflow-request",
        aggregateId: task.data.requestId,
        sequence: 3,
        occurredAt: "x",
        payload: { task: "render", workflowTemplate: "nightly-report", outcome: "succeeded" },
      },
    );
    const headerTraceparent = record.headers.traceparent.toString("utf8");
    assert.equal(traceIdOf(headerTraceparent), traceIdOf(task.traceparent));
    assert.equal(
      event.traceparent,
      headerTraceparent,
      "envelope and headers carry the same context",
    );
    assert.notEqual(headerTraceparent, task.traceparent, "the producer span is the new parent");

    const deletes = sqs.commandCalls(DeleteMessageCommand);
    assert.deepEqual(
      deletes.map((c) => c.args[0].input),
      [{ QueueUrl: QUEUE_URL, ReceiptHandle: message.ReceiptHandle }],
    );
    assert.equal(sqs.commandCalls(SendMessageCommand).length, 0, "nothing goes to the DLQ");

    const receive = sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input;
    assert.equal(receive.WaitTimeSeconds, 20);
    assert.equal(receive.MaxNumberOfMessages, 10);
    assert.deepEqual(receive.MessageAttributeNames, ["All"]);
    assert.deepEqual(receive.MessageSystemAttributeNames, ["ApproximateReceiveCount"]);
  });

  it("continues the envelope's trace: the consumer span is a child of the envelope's context", async () => {
    const task = workTask({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      parentId: "b7ad6b7169203331",
    });
    const message = sqsMessage(task);
    // A different context in the transport attribute: the envelope's wins.
    message.MessageAttributes = {
      traceparent: {
        DataType: "String",
        StringValue: "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01",
      },
    };
    const drained = scriptReceives(sqs, [async () => [message]]);
    const { worker } = testWorker(client);
    worker.tasks.start();
    await drained;
    await worker.tasks.stop();

    const process = (await finishedSpans()).filter((s) => s.name === "process task-queue");
    assert.equal(process.length, 1);
    assert.equal(process[0].kind, SpanKind.CONSUMER);
    assert.equal(process[0].spanContext().traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.equal(process[0].parentSpanContext?.spanId, "b7ad6b7169203331");
    assert.equal(process[0].attributes["messaging.message.id"], task.id);
    const batch = (await finishedSpans()).find((s) => s.name === "receive task-queue");
    assert.deepEqual(
      batch?.links.map((l) => [l.context.traceId, l.context.spanId]),
      [["4bf92f3577b34da6a3ce929d0e0e4736", "b7ad6b7169203331"]],
      "the batch span links to each message's context",
    );
  });

  it("sends an invalid message to the DLQ unchanged with its reason, deletes it and publishes nothing", async () => {
    const task = workTask();
    const body = JSON.stringify({ ...task, data: { ...task.data, task: undefined } });
    const message = sqsMessage(body);
    message.MessageAttributes = {
      traceparent: { DataType: "String", StringValue: task.traceparent },
    };
    const drained = scriptReceives(sqs, [async () => [message]]);
    const { worker, bus, logs } = testWorker(client);
    worker.tasks.start();
    await drained;
    await worker.tasks.stop();

    const sends = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    assert.equal(sends.length, 1);
    assert.equal(sends[0].QueueUrl, DLQ_URL);
    assert.equal(sends[0].MessageBody, body, "the body is sent unchanged");
    const reason = sends[0].MessageAttributes?.["rejection-reason"]?.StringValue ?? "";
    assert.match(
      reason,
      /does not match work-task: \/data\/task must have required property 'task'/,
    );
    assert.equal(sends[0].MessageAttributes?.traceparent?.StringValue, task.traceparent);
    assert.deepEqual(
      sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle),
      [message.ReceiptHandle],
    );
    assert.equal(bus.records("domain-events").length, 0);
    assert.ok(
      logs.some(
        (l) =>
          l.message === "message rejected: sent to the dead-letter queue" && l.reason === reason,
      ),
    );
  });

  it("rejects a body that is not JSON", async () => {
    const message = sqsMessage("not json {");
    const drained = scriptReceives(sqs, [async () => [message]]);
    const { worker } = testWorker(client);
    worker.tasks.start();
    await drained;
    await worker.tasks.stop();
    const [send] = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    assert.equal(send.MessageBody, "not json {");
    assert.match(
      send.MessageAttributes?.["rejection-reason"]?.StringValue ?? "",
      /^body is not JSON/,
    );
  });

  it("leaves a message whose handler failed on the queue and logs its receive count", async () => {
    const message = sqsMessage(workTask(), 3);
    const drained = scriptReceives(sqs, [async () => [message]]);
    const failing: EventBus = {
      publish: async () => {
        throw new Error("broker unreachable");
      },
      subscribe: async () => ({ stop: async () => {} }),
      close: async () => {},
    };
    const { worker, logs } = testWorker(client, { bus: failing });
    worker.tasks.start();
    await drained;
    await worker.tasks.stop();

    assert.equal(sqs.commandCalls(DeleteMessageCommand).length, 0, "not deleted");
    assert.equal(
      sqs.commandCalls(SendMessageCommand).length,
      0,
      "not sent to the DLQ by the worker",
    );
    const failure = logs.find(
      (l) => l.level === "error" && String(l.message).startsWith("task failed"),
    );
    assert.equal(failure?.receive_count, 3);
    const metric = await worker.metrics.messagesProcessed.get();
    assert.deepEqual(
      metric.values.map((v) => [v.labels.outcome, v.value]),
      [["failed", 1]],
    );
  });

  it("deletes a duplicate (same envelope id) without publishing a second event", async () => {
    const task = workTask();
    const first = sqsMessage(task);
    const second = sqsMessage(task, 2);
    const firstDeleted = deferred();
    sqs.on(DeleteMessageCommand).callsFake(async () => {
      firstDeleted.resolve();
      return {};
    });
    const drained = scriptReceives(sqs, [
      async () => [first],
      async () => {
        await firstDeleted.promise;
        return [second];
      },
    ]);
    const { worker, bus } = testWorker(client);
    worker.tasks.start();
    await drained;
    await worker.tasks.stop();

    assert.equal(bus.records("domain-events").length, 1);
    assert.deepEqual(
      sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle),
      [first.ReceiptHandle, second.ReceiptHandle],
    );
    const metric = await worker.metrics.messagesProcessed.get();
    assert.deepEqual(metric.values.map((v) => [v.labels.outcome, v.value]).sort(), [
      ["duplicate", 1],
      ["processed", 1],
    ]);
  });

  it("extends the visibility of a message while a slow handler works, then deletes it", async () => {
    const message = sqsMessage(workTask());
    const extended = deferred();
    sqs.on(ChangeMessageVisibilityCommand).callsFake(async () => {
      extended.resolve();
      return {};
    });
    const drained = scriptReceives(sqs, [async () => [message]]);
    const published: string[] = [];
    // The handler cannot finish before the visibility was extended at least once.
    const slow: EventBus = {
      publish: async (topic) => {
        await extended.promise;
        published.push(topic);
      },
      subscribe: async () => ({ stop: async () => {} }),
      close: async () => {},
    };
    const { worker } = testWorker(client, { bus: slow, visibilityExtendIntervalMs: 5 });
    worker.tasks.start();
    await drained;
    await worker.tasks.stop();

    const change = sqs.commandCalls(ChangeMessageVisibilityCommand)[0].args[0].input;
    assert.deepEqual(change, {
      QueueUrl: QUEUE_URL,
      ReceiptHandle: message.ReceiptHandle,
      VisibilityTimeout: 60,
    });
    assert.deepEqual(published, ["domain-events"]);
    assert.equal(sqs.commandCalls(DeleteMessageCommand).length, 1);
  });

  it("never extends visibility past SQS's limit after receipt, and says so once when it is reached", async () => {
    const message = sqsMessage(workTask());
    // The clock moves only when an extension is made: 500 ms each. The receive reads t = 0.
    let t = 0;
    sqs.on(ChangeMessageVisibilityCommand).callsFake(async () => {
      t += 500;
      return {};
    });
    const drained = scriptReceives(sqs, [async () => [message]]);
    const release = deferred();
    const held: EventBus = {
      publish: async () => {
        await release.promise;
      },
      subscribe: async () => ({ stop: async () => {} }),
      close: async () => {},
    };
    // With a 2.5 s limit, extensions at t = 0, 500, 1000 and 1500 ask for what is left (2, 2, 1,
    // 1 seconds, never the 60 s timeout); at t = 2000 less than a second is left and they stop.
    const { worker, logs } = testWorker(client, {
      bus: held,
      visibilityExtendIntervalMs: 5,
      maxVisibilityMs: 2500,
      now: () => t,
    });
    worker.tasks.start();
    await drained;
    const limit =
      "a message in hand reached SQS's visibility limit: it will be received again while its handler runs";
    while (!logs.some((l) => l.message === limit)) {
      await new Promise((r) => setTimeout(r, 5));
    }
    // More ticks would have extended again had the timer not been cleared.
    await new Promise((r) => setTimeout(r, 50));
    release.resolve();
    await worker.tasks.stop();

    const asked = sqs
      .commandCalls(ChangeMessageVisibilityCommand)
      .map((c) => c.args[0].input.VisibilityTimeout as number);
    assert.deepEqual(asked, [2, 2, 1, 1]);
    assert.equal(logs.filter((l) => l.message === limit).length, 1);
  });

  it("pauses polling while a breaker is open and reports it in readiness", async () => {
    sqs.on(ReceiveMessageCommand).rejects(new Error("ServiceUnavailable"));
    const { worker, logs } = testWorker(client, {
      env: {
        BREAKER_TASK_QUEUE_RECEIVE_VOLUME_THRESHOLD: "1",
        BREAKER_TASK_QUEUE_RECEIVE_ERROR_THRESHOLD_PERCENTAGE: "1",
        BREAKER_TASK_QUEUE_RECEIVE_RESET_TIMEOUT_MS: "600000",
      },
    });
    worker.tasks.start();
    while (!logs.some((l) => l.message === "circuit breaker open: polling paused")) {
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(worker.readiness.reasons(), ["circuit breaker task-queue-receive is open"]);
    await worker.tasks.stop();
    assert.equal(sqs.commandCalls(ReceiveMessageCommand).length, 1, "no receive while open");
  });
});
