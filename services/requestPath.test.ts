/**
 * One request through the whole asynchronous path, with one trace: the HTTP request to Service A,
 * its message on the (faked) work queue, the workflow step that hands a task to the worker through
 * the (faked) task queue, the worker's processing and the domain event it publishes. Argo Events
 * and Argo Workflows are not run here: the step is the worker's handoff (`runHandoff`, what
 * `dist/handoff.js` runs), given the arguments the sensor and the template pass (the message's
 * `data` and its `traceparent`).
 */
import { finishedSpans, resetSpans } from "@acme/service-kit/testing";
import * as assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SendMessageCommandInput,
} from "@aws-sdk/client-sqs";
import { SpanKind } from "@opentelemetry/api";
import { mockClient } from "aws-sdk-client-mock";
import type { Envelope } from "@acme/service-kit";
import { buildServiceA } from "./service-a/src/app";
import { readConfig } from "./service-a/src/config";
import type { WorkflowRequest } from "./service-a/src/model";
import { runHandoff } from "./worker/src/handoffStep";
import { QUEUE_URL as TASK_QUEUE_URL, sqsClient, testWorker } from "./worker/src/testSupport";

const WORK_QUEUE_URL =
  "https://sqs.eu-west-1.amazonaws.com/111122223333/acme-dev-workflow-requests";
const traceIdOf = (traceparent: string) => traceparent.split("-")[1];
const parentIdOf = (traceparent: string) => traceparent.split("-")[2];

/** What SQS would deliver for a SendMessage input. */
function delivered(input: SendMessageCommandInput, n: number): Message {
  return {
    MessageId: `m-${n}`,
    ReceiptHandle: `r-${n}`,
    Body: input.MessageBody,
    Attributes: { ApproximateReceiveCount: "1" },
    MessageAttributes: input.MessageAttributes,
  };
}

describe("the request path, end to end", () => {
  const client = sqsClient();
  const sqs = mockClient(client);
  before(async () => {
    await finishedSpans();
    resetSpans();
  });
  after(() => sqs.restore());

  it("keeps one trace from Service A's HTTP request to the worker's processing and its domain event", async () => {
    const sent: SendMessageCommandInput[] = [];
    sqs.on(SendMessageCommand).callsFake(async (input: SendMessageCommandInput) => {
      sent.push(input);
      return { MessageId: `m-${sent.length}` };
    });
    sqs.on(DeleteMessageCommand).resolves({});

    // 1. Service A accepts the request and sends it to the work queue.
    const serviceA = buildServiceA(
      readConfig({ LOG_LEVEL: "error", SUBMITTER: "sqs", WORK_QUEUE_URL, AWS_REGION: "eu-west-1" }),
      { sqs: client, env: {} },
    );
    await serviceA.app.listen({ port: 0, host: "127.0.0.1" });
    const port = (serviceA.app.server.address() as AddressInfo).port;
    const response = await fetch(`http://127.0.0.1:${port}/v1/workflow-requests`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "e2e-1" },
      body: JSON.stringify({
        workflowTemplate: "nightly-report",
        parameters: { reportDate: "2026-03-13" },
      }),
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(response.status, 202);
    await serviceA.app.close();
    serviceA.breakers.forEach((b) => b.shutdown());
    const [toWorkQueue] = sent;
    assert.equal(toWorkQueue.QueueUrl, WORK_QUEUE_URL);
    const request = JSON.parse(toWorkQueue.MessageBody ?? "") as Envelope<WorkflowRequest>;

    // 2. The workflow step: the sensor passes the message's requestId, parameters and traceparent;
    // the handoff continues that trace and hands a task to the worker.
    const code = await runHandoff(
      [
        ...["--request-id", request.data.requestId],
        ...["--workflow-template", request.data.workflowTemplate],
        ...["--parameters", JSON.stringify(request.data.parameters)],
        ...["--traceparent", request.traceparent],
      ],
      {
        env: { TASK_QUEUE_URL, AWS_REGION: "eu-west-1", LOG_LEVEL: "error" },
        sqs: client,
        log: { write: () => undefined },
      },
    );
    assert.equal(code, 0, "the handoff sent its task");
    const toTaskQueue = sent[1];
    assert.equal(toTaskQueue.QueueUrl, TASK_QUEUE_URL);

    // 3. The worker receives the task from its queue, processes it and publishes a domain event.
    let receives = 0;
    let drained!: () => void;
    const done = new Promise<void>((resolve) => (drained = resolve));
    sqs.on(ReceiveMessageCommand).callsFake(async () => {
      receives += 1;
      if (receives === 1) return { Messages: [delivered(toTaskQueue, 2)] };
      drained();
      await new Promise((r) => setTimeout(r, 5));
      return { Messages: [] };
    });
    const { worker, bus } = testWorker(client);
    worker.tasks.start();
    await done;
    await worker.tasks.stop();
    const [record] = bus.records("domain-events");
    assert.ok(record, "the worker published a domain event");
    assert.deepEqual(
      sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle),
      ["r-2"],
      "the task was deleted after it was processed",
    );

    // One trace id everywhere: messages, record headers and every span on the way.
    const traceId = traceIdOf(request.traceparent);
    const task = JSON.parse(toTaskQueue.MessageBody ?? "") as Envelope;
    const event = JSON.parse(record.value.toString("utf8")) as Envelope;
    assert.equal(traceIdOf(task.traceparent), traceId);
    assert.equal(traceIdOf(event.traceparent), traceId);
    assert.equal(traceIdOf(record.headers.traceparent.toString("utf8")), traceId);

    const spans = await finishedSpans();
    const find = (kind: SpanKind, name: string) => {
      const span = spans.find((s) => s.kind === kind && s.name === name);
      assert.ok(
        span,
        `a ${SpanKind[kind]} span "${name}" among ${spans.map((s) => s.name).join(", ")}`,
      );
      return span;
    };
    const path = [
      find(SpanKind.SERVER, "request"),
      find(SpanKind.PRODUCER, "send acme-dev-workflow-requests"),
      find(SpanKind.CONSUMER, "handoff main"),
      find(SpanKind.PRODUCER, "send task-queue"),
      find(SpanKind.CONSUMER, "process task-queue"),
      find(SpanKind.PRODUCER, "send domain-events"),
    ];
    assert.deepEqual(
      path.map((s) => s.spanContext().traceId),
      path.map(() => traceId),
    );
    // Each hop's consumer is the child of the producer span whose context the message carried
    // (the step's span: of the context the sensor passed on), and each producer of its consumer.
    assert.equal(path[2].parentSpanContext?.spanId, parentIdOf(request.traceparent));
    assert.equal(path[1].spanContext().spanId, parentIdOf(request.traceparent));
    assert.equal(path[4].parentSpanContext?.spanId, parentIdOf(task.traceparent));
    assert.equal(path[3].spanContext().spanId, parentIdOf(task.traceparent));
    assert.equal(path[3].parentSpanContext?.spanId, path[2].spanContext().spanId);
    assert.equal(path[5].parentSpanContext?.spanId, path[4].spanContext().spanId);
  });
});
