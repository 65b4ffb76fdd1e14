import { finishedSpans, resetSpans } from "@acme/service-kit/testing";
import * as assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { SpanKind } from "@opentelemetry/api";
import { mockClient } from "aws-sdk-client-mock";
import type { Envelope } from "@acme/service-kit";
import {
  HANDOFF_EXIT,
  HANDOFF_SOURCE,
  HandoffArgumentError,
  parseHandoffArgs,
  runHandoff,
  taskIdFor,
} from "./handoffStep";
import type { WorkTask } from "./tasks";
import { deferred, QUEUE_URL, sqsClient, testWorker } from "./testSupport";

const REQUEST_ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const ENV = { TASK_QUEUE_URL: QUEUE_URL, AWS_REGION: "eu-west-1", LOG_LEVEL: "info" };
const argv = (overrides: Record<string, string> = {}) =>
  Object.entries({
    "--request-id": REQUEST_ID,
    "--workflow-template": "service-a-request",
    "--parameters": '{"reportDate":"2026-03-13"}',
    "--traceparent": INCOMING,
    ...overrides,
  }).flat();
const sink = () => {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
};

describe("the workflow step's handoff", () => {
  const client = sqsClient();
  const sqs = mockClient(client);
  beforeEach(async () => {
    sqs.reset();
    await finishedSpans();
    resetSpans();
  });

  it("sends one work-task: exact body and attributes, in the incoming trace with new span ids", async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
    const log = sink();
    const code = await runHandoff(argv(), { env: ENV, sqs: client, log });
    assert.equal(code, HANDOFF_EXIT.sent, log.lines.join(""));

    const calls = sqs.commandCalls(SendMessageCommand);
    assert.equal(calls.length, 1);
    const input = calls[0].args[0].input;
    const body = JSON.parse(input.MessageBody ?? "") as Envelope<WorkTask>;
    assert.ok(!Number.isNaN(Date.parse(body.time)), `time ${body.time}`);
    assert.deepEqual(body, {
      specversion: "1.0",
      id: taskIdFor(REQUEST_ID, "main", 0),
      source: HANDOFF_SOURCE,
      type: "com.acme.workflow.task.v1",
      time: body.time,
      datacontenttype: "application/json",
      dataschema: "https://contracts.acme.example/messages/work-task.schema.json",
      subject: REQUEST_ID,
      traceparent: body.traceparent,
      data: {
        requestId: REQUEST_ID,
        workflowTemplate: "service-a-request",
        task: "main",
        sequence: 0,
        parameters: { reportDate: "2026-03-13" },
      },
    });
    assert.equal(input.QueueUrl, QUEUE_URL);
    assert.deepEqual(input.MessageAttributes, {
      traceparent: { DataType: "String", StringValue: body.traceparent },
    });

    // Same trace, a new parent id: the producer span, child of the step's span, child of the
    // incoming context.
    const [, traceId, parentId] = body.traceparent.split("-");
    assert.equal(traceId, INCOMING.split("-")[1]);
    assert.notEqual(parentId, INCOMING.split("-")[2]);
    const spans = await finishedSpans();
    const step = spans.find((s) => s.name === "handoff main");
    const producer = spans.find((s) => s.name === "send task-queue");
    assert.ok(step && producer, spans.map((s) => s.name).join(", "));
    assert.equal(step.kind, SpanKind.CONSUMER);
    assert.equal(step.spanContext().traceId, traceId);
    assert.equal(step.parentSpanContext?.spanId, INCOMING.split("-")[2]);
    assert.equal(producer.kind, SpanKind.PRODUCER);
    assert.equal(producer.parentSpanContext?.spanId, step.spanContext().spanId);
    assert.equal(producer.spanContext().spanId, parentId);

    const [line] = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(line.message, "task handed to the worker");
    assert.equal(line.traceparent, body.traceparent);
    assert.equal(line.message_id, body.id);
  });

  it("starts a new trace when --traceparent is empty", async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
    const code = await runHandoff(argv({ "--traceparent": "" }), {
      env: ENV,
      sqs: client,
      log: sink(),
    });
    assert.equal(code, HANDOFF_EXIT.sent);
    const body = JSON.parse(
      sqs.commandCalls(SendMessageCommand)[0].args[0].input.MessageBody ?? "",
    ) as Envelope;
    const step = (await finishedSpans()).find((s) => s.name === "handoff main");
    assert.ok(step);
    assert.equal(step.parentSpanContext, undefined, "the step's span is a root");
    assert.equal(body.traceparent.split("-")[1], step.spanContext().traceId);
  });

  it("names each bad argument and its fix, and sends nothing (exit 2)", async () => {
    const cases: Array<[string[], RegExp]> = [
      [argv({ "--request-id": "r-1" }), /^--request-id must match format "uuid"/],
      [argv({ "--parameters": "{" }), /^--parameters is not JSON/],
      [argv({ "--parameters": "[]" }), /^--parameters must be a JSON object/],
      [
        argv({ "--parameters": '{"n":1}' }),
        /^--parameters must be string \(at \/data\/parameters\/n\)/,
      ],
      [
        argv({ "--traceparent": "00-abc-01" }),
        /^--traceparent "00-abc-01" is not a W3C traceparent/,
      ],
      [argv({ "--workflow-template": "Not_A_Label" }), /^--workflow-template must match pattern/],
      [argv({ "--sequence": "-1" }), /^--sequence "-1" is invalid/],
      [
        argv({ "--task": "" }),
        /^--task must NOT have fewer than 1 characters|^--task must match pattern/,
      ],
      [[...argv(), "--colour", "red"], /^"--colour" is not an option; valid: --request-id/],
      [argv().slice(2), /^--request-id is required: the workflow request's id, a UUID/],
      [[...argv(), "--task"], /^--task needs a value/],
    ];
    for (const [args, expected] of cases) {
      assert.throws(
        () => parseHandoffArgs(args),
        (error: unknown) =>
          error instanceof HandoffArgumentError && error.problems.some((p) => expected.test(p)),
        `${args.join(" ")} should fail with ${expected}`,
      );
      const stderr = sink();
      const code = await runHandoff(args, { env: ENV, sqs: client, stderr, log: sink() });
      assert.equal(code, HANDOFF_EXIT.invalid);
      assert.match(stderr.lines.join(""), /^handoff: nothing sent; fix these and run again:\n/);
    }
    assert.equal(sqs.commandCalls(SendMessageCommand).length, 0);
  });

  it("reports every missing variable with the arguments (exit 2)", async () => {
    const stderr = sink();
    const code = await runHandoff(argv({ "--request-id": "r-1" }), {
      env: {},
      sqs: client,
      stderr,
    });
    assert.equal(code, HANDOFF_EXIT.invalid);
    const text = stderr.lines.join("");
    assert.match(text, /--request-id must match format "uuid"/);
    assert.match(text, /TASK_QUEUE_URL is required/);
    assert.match(text, /AWS_REGION is required/);
    assert.equal(sqs.commandCalls(SendMessageCommand).length, 0);
  });

  it("fails the step (exit 1) when the send fails, so Argo retries it", async () => {
    sqs.on(SendMessageCommand).rejects(new Error("AccessDenied"));
    const log = sink();
    const code = await runHandoff(argv(), { env: ENV, sqs: client, log });
    assert.equal(code, HANDOFF_EXIT.sendFailed);
    const [line] = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(line.level, "error");
    assert.equal(line.request_id, REQUEST_ID);
    const producer = (await finishedSpans()).find((s) => s.name === "send task-queue");
    assert.equal(producer?.status.message, "AccessDenied");
  });

  it("gives the same task name at another sequence another id (two tasks, not a duplicate)", async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: "m" });
    for (const sequence of ["0", "1"]) {
      assert.equal(
        await runHandoff(argv({ "--sequence": sequence }), { env: ENV, sqs: client, log: sink() }),
        HANDOFF_EXIT.sent,
      );
    }
    const bodies = sqs
      .commandCalls(SendMessageCommand)
      .map((c) => JSON.parse(c.args[0].input.MessageBody ?? "") as Envelope<WorkTask>);
    assert.deepEqual(
      bodies.map((b) => [b.data.sequence, b.id]),
      [
        [0, taskIdFor(REQUEST_ID, "main", 0)],
        [1, taskIdFor(REQUEST_ID, "main", 1)],
      ],
    );
    assert.notEqual(bodies[0].id, bodies[1].id);
  });

  it("gives a retried step's task the same id, and the worker processes it once", async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: "m" });
    for (let attempt = 0; attempt < 2; attempt++) {
      assert.equal(
        await runHandoff(argv(), { env: ENV, sqs: client, log: sink() }),
        HANDOFF_EXIT.sent,
      );
    }
    const sent = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    const ids = sent.map((s) => (JSON.parse(s.MessageBody ?? "") as Envelope).id);
    assert.equal(ids.length, 2);
    assert.equal(ids[0], ids[1]);
    assert.equal(ids[0], taskIdFor(REQUEST_ID, "main", 0));
    assert.notEqual(taskIdFor(REQUEST_ID, "main", 0), taskIdFor(REQUEST_ID, "other", 0));
    assert.notEqual(
      taskIdFor(REQUEST_ID, "main", 0),
      taskIdFor("1b4e28ba-2fa1-11d2-883f-0016d3cca427", "main", 0),
    );

    // Both deliveries reach the worker, the second after the first was processed (the copy a
    // retried step sent): it publishes one domain event and deletes both.
    let receives = 0;
    let drained!: () => void;
    const done = new Promise<void>((resolve) => (drained = resolve));
    const firstDeleted = deferred();
    sqs.on(DeleteMessageCommand).callsFake(async () => {
      firstDeleted.resolve();
      return {};
    });
    sqs.on(ReceiveMessageCommand).callsFake(async () => {
      receives += 1;
      if (receives === 2) await firstDeleted.promise;
      if (receives <= 2) {
        const s = sent[receives - 1];
        return {
          Messages: [
            {
              MessageId: `m-${receives}`,
              ReceiptHandle: `r-${receives}`,
              Body: s.MessageBody,
              Attributes: { ApproximateReceiveCount: "1" },
              MessageAttributes: s.MessageAttributes,
            },
          ],
        };
      }
      drained();
      await new Promise((r) => setTimeout(r, 5));
      return { Messages: [] };
    });
    const { worker, bus, logs } = testWorker(client);
    worker.tasks.start();
    await done;
    await worker.tasks.stop();
    assert.equal(bus.records("domain-events").length, 1);
    assert.deepEqual(
      sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle),
      ["r-1", "r-2"],
    );
    assert.ok(logs.some((l) => l.message === "task processed already; deleting the duplicate"));
  });
});
