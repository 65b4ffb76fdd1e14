import { finishedSpans, resetSpans } from "@acme/service-kit/testing";
import * as assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { validateMessage } from "@acme/contracts";
import { mockClient } from "aws-sdk-client-mock";
import { SpanKind } from "@opentelemetry/api";
import { buildServiceA, type Dependencies, type ServiceA } from "./app";
import { readConfig } from "./config";
import { LocalSubmitter } from "./submitter";

const ENDPOINT = "/v1/workflow-requests";
const VALID = { workflowTemplate: "nightly-report", parameters: { reportDate: "2026-03-13" } };

/** Service A on loopback, built from environment variables like main.ts does. */
async function start(env: Record<string, string> = {}, deps: Dependencies = {}) {
  const config = readConfig({ LOG_LEVEL: "error", ...env });
  const service = buildServiceA(config, { env, ...deps });
  await service.app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
  // Every call has a client-side deadline: a hang fails the test instead of stalling it.
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
  const post = (body: unknown, key: string | undefined, headers: Record<string, string> = {}) =>
    call(ENDPOINT, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(key ? { "idempotency-key": key } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });
  const close = async () => {
    service.breakers.forEach((b) => b.shutdown());
    await service.app.close();
  };
  return { service, call, post, close };
}
type Running = Awaited<ReturnType<typeof start>>;
const sent = (service: ServiceA) =>
  (service.submitter as LocalSubmitter).sent as {
    data: { idempotencyKey: string; requestId: string };
  }[];

async function problemOf(response: Response) {
  assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
  return (await response.json()) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    errors?: Record<string, string>[];
  };
}

describe("Service A over HTTP", () => {
  let s: Running;
  before(async () => {
    s = await start();
  });
  after(() => s.close());

  it("accepts a valid request with 202, a Location and a status link", async () => {
    const response = await s.post(VALID, "report-2026-03-13");
    assert.equal(response.status, 202);
    const body = (await response.json()) as {
      requestId: string;
      status: string;
      statusUrl: string;
    };
    assert.match(body.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(body.status, "accepted");
    assert.equal(body.statusUrl, `${ENDPOINT}/${body.requestId}`);
    assert.equal(response.headers.get("location"), body.statusUrl);
    const message = sent(s.service).at(-1) as unknown as { data: Record<string, unknown> };
    assert.deepEqual(validateMessage("workflow-request", message), []);
    assert.deepEqual(message.data, {
      requestId: body.requestId,
      workflowTemplate: "nightly-report",
      parameters: { reportDate: "2026-03-13" },
      requestedBy: "anonymous",
      priority: "normal",
      idempotencyKey: "report-2026-03-13",
    });

    const status = await s.call(body.statusUrl);
    assert.equal(status.status, 200);
    assert.deepEqual(
      { ...((await status.json()) as object), submittedAt: "t", updatedAt: "t" },
      {
        requestId: body.requestId,
        workflowTemplate: "nightly-report",
        priority: "normal",
        status: "accepted",
        submittedAt: "t",
        updatedAt: "t",
      },
    );
  });

  it("answers a retry with the same key and body with the first answer and sends nothing more", async () => {
    const first = await s.post({ workflowTemplate: "cache-warmup", priority: "high" }, "warmup-1", {
      "x-acme-caller": "ops",
    });
    const before = sent(s.service).length;
    // The same body with its keys in another order is the same request.
    const again = await s.post({ priority: "high", workflowTemplate: "cache-warmup" }, "warmup-1", {
      "x-acme-caller": "ops",
    });
    assert.equal(again.status, 202);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(await again.json(), await first.json());
    assert.equal(sent(s.service).length, before);
    assert.equal(sent(s.service).filter((m) => m.data.idempotencyKey === "warmup-1").length, 1);
  });

  it("refuses the same key with another body with 422, sending nothing", async () => {
    await s.post(VALID, "reused-key");
    const before = sent(s.service).length;
    const response = await s.post({ workflowTemplate: "other-report" }, "reused-key");
    assert.equal(response.status, 422);
    const p = await problemOf(response);
    assert.equal(p.type, "https://contracts.acme.example/problems/idempotency-key-reused");
    assert.match(p.detail, /Idempotency-Key "reused-key" was used with a different body/);
    assert.equal(sent(s.service).length, before);
  });

  it("answers an invalid body with 400 problem+json naming each field", async () => {
    const response = await s.post(
      { workflowTemplate: "Nightly_Report", parameters: { "1st": "x", ok: 3 }, extra: true },
      "bad-body",
    );
    assert.equal(response.status, 400);
    const p = await problemOf(response);
    assert.equal(p.type, "https://contracts.acme.example/problems/validation");
    assert.deepEqual(p.errors?.map((e) => e.pointer).sort(), [
      "/extra",
      "/parameters/1st",
      "/parameters/ok",
      "/workflowTemplate",
    ]);
    assert.match(p.detail, /^body field \/\w+/);
  });

  it("names a missing required field, the missing Idempotency-Key header and a bad path parameter", async () => {
    const noTemplate = await problemOf(await s.post({ parameters: {} }, "k-missing"));
    assert.deepEqual(noTemplate.errors, [{ pointer: "/workflowTemplate", detail: "is required" }]);
    const noKey = await problemOf(await s.post(VALID, undefined));
    assert.deepEqual(noKey.errors, [{ header: "Idempotency-Key", detail: "is required" }]);
    assert.equal(noKey.detail, "header Idempotency-Key is required");
    const badKey = await problemOf(await s.post(VALID, "has spaces in it"));
    assert.equal(badKey.errors?.[0].header, "Idempotency-Key");
    const badId = await s.call(`${ENDPOINT}/not-a-uuid`);
    assert.equal(badId.status, 400);
    assert.deepEqual(
      (await problemOf(badId)).errors?.map((e) => e.parameter),
      ["requestId"],
    );
  });

  it("answers unknown requests, routes and media types with problem+json", async () => {
    const unknown = await s.call(`${ENDPOINT}/0f8fad5b-d9cb-469f-a165-70867728950e`);
    assert.equal(unknown.status, 404);
    assert.match((await problemOf(unknown)).detail, /no workflow request 0f8fad5b/);
    assert.equal((await s.call("/v2/nothing")).status, 404);
    const text = await s.call(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "text/plain", "idempotency-key": "k" },
      body: "hi",
    });
    assert.equal(text.status, 415);
    assert.equal(
      (await problemOf(text)).type,
      "https://contracts.acme.example/problems/unsupported-media-type",
    );
  });

  it("is healthy and ready, and exposes its metrics", async () => {
    assert.equal((await s.call("/healthz")).status, 200);
    assert.equal((await s.call("/readyz")).status, 200);
    const metrics = await (await s.call("/metrics")).text();
    assert.match(
      metrics,
      /circuit_breaker_state\{breaker="work-queue",state="closed",service="service-a"\} 1/,
    );
    const served = metrics
      .split("\n")
      .find(
        (line) =>
          line.startsWith("http_server_request_duration_seconds_count{") &&
          ['method="POST"', 'route="/v1/workflow-requests"', 'status_code="202"'].every((l) =>
            line.includes(l),
          ),
      );
    assert.ok(
      served && Number(served.split(" ").pop()) >= 1,
      "accepted requests are counted by route",
    );
  });
});

describe("Service A under injected faults", () => {
  const BREAKER = {
    BREAKER_VOLUME_THRESHOLD: "4",
    BREAKER_ERROR_THRESHOLD_PERCENTAGE: "50",
    BREAKER_RESET_TIMEOUT_MS: "30000",
    BREAKER_TIMEOUT_MS: "200",
  };

  it("with every submission failing: 503 with Retry-After, then the breaker opens and answers without calling the queue", async () => {
    const s = await start({ ...BREAKER, LOCAL_SUBMITTER_FAILURE_RATE: "1" });
    try {
      const submits: number[] = [];
      const submitter = s.service.submitter as LocalSubmitter;
      const original = submitter.submit.bind(submitter);
      submitter.submit = (...args) => {
        submits.push(1);
        return original(...args);
      };
      for (let i = 0; i < 4; i++) {
        const response = await s.post(VALID, `fail-${i}`);
        assert.equal(response.status, 503);
        // Retry in a second while closed; the failure that opens the breaker says when it probes.
        assert.equal(response.headers.get("retry-after"), i < 3 ? "1" : "30");
        assert.equal(
          (await problemOf(response)).type,
          "https://contracts.acme.example/problems/dependency-unavailable",
        );
      }
      assert.equal(s.service.breakers[0].state(), "open");
      const callsWhenOpen = submits.length;
      for (let i = 0; i < 5; i++) {
        const response = await s.post(VALID, `open-${i}`);
        assert.equal(response.status, 503);
        const retryAfter = Number(response.headers.get("retry-after"));
        assert.ok(
          retryAfter >= 29 && retryAfter <= 30,
          `Retry-After ${retryAfter} is the time left before the probe`,
        );
        assert.match((await problemOf(response)).detail, /work-queue is unavailable \(open\)/);
      }
      assert.equal(submits.length, callsWhenOpen, "an open breaker does not touch the queue");
      // Each breaker event is also a span event on the request's span.
      const events = (await finishedSpans()).flatMap((span) => span.events.map((e) => e.name));
      for (const name of [
        "circuit_breaker.failure",
        "circuit_breaker.open",
        "circuit_breaker.reject",
      ]) {
        assert.ok(events.includes(name), `span event ${name}`);
      }
      assert.equal(sent(s.service).length, 0, "nothing was accepted, so nothing was sent");
      const ready = await s.call("/readyz");
      assert.equal(ready.status, 503);
      assert.match((await problemOf(ready)).detail, /circuit breaker work-queue is open/);
      assert.equal((await s.call("/healthz")).status, 200, "alive, only not ready");
      // The failed submissions released their keys: the same key is accepted once the queue works.
      (s.service.submitter as unknown as { options: { failureRate: number } }).options.failureRate =
        0;
      assert.equal((await s.post(VALID, "fail-0")).status, 503, "still open");
    } finally {
      await s.close();
    }
  });

  it("answers a submission slower than the breaker timeout with 503 at the timeout, not a hang", async () => {
    const s = await start({ ...BREAKER, LOCAL_SUBMITTER_LATENCY_MS: "60000" });
    try {
      const response = await s.post(VALID, "slow-1");
      assert.equal(response.status, 503);
      assert.equal(response.headers.get("retry-after"), "1");
      assert.match((await problemOf(response)).detail, /\(timeout\)/);
      assert.equal(sent(s.service).length, 0);
    } finally {
      await s.close();
    }
  });

  it("under random failures every answer is 202 (and its message sent once) or 503 with Retry-After (and nothing sent)", async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const s = await start(
      { ...BREAKER, BREAKER_VOLUME_THRESHOLD: "1000", LOCAL_SUBMITTER_FAILURE_RATE: "0.3" },
      { random },
    );
    try {
      const accepted: string[] = [];
      const refused: string[] = [];
      await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const key = `mixed-${i}`;
          const response = await s.post(VALID, key);
          if (response.status === 202) accepted.push(key);
          else {
            assert.equal(response.status, 503);
            assert.ok(Number(response.headers.get("retry-after")) >= 1);
            refused.push(key);
          }
        }),
      );
      assert.ok(
        accepted.length > 0 && refused.length > 0,
        `${accepted.length} accepted, ${refused.length} refused`,
      );
      const keys = sent(s.service).map((m) => m.data.idempotencyKey);
      assert.deepEqual(
        [...keys].sort(),
        [...accepted].sort(),
        "exactly the accepted requests were sent, once each",
      );
      // A refused request retried with its key succeeds once the fault is gone.
      (s.service.submitter as unknown as { options: { failureRate: number } }).options.failureRate =
        0;
      assert.equal((await s.post(VALID, refused[0])).status, 202);
    } finally {
      await s.close();
    }
  });
});

describe("Service A with the sqs submitter", () => {
  const QUEUE = "https://sqs.eu-west-1.amazonaws.com/111122223333/acme-dev-workflow-requests";

  it("sends one workflow-request message with the trace context in the envelope and the message attributes", async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
    const s = await start(
      { SUBMITTER: "sqs", WORK_QUEUE_URL: QUEUE, AWS_REGION: "eu-west-1" },
      { sqs: new SQSClient({ region: "eu-west-1" }) },
    );
    try {
      resetSpans();
      const response = await s.post(VALID, "sqs-1", {
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      });
      assert.equal(response.status, 202);
      const { requestId } = (await response.json()) as { requestId: string };
      const calls = sqs.commandCalls(SendMessageCommand);
      assert.equal(calls.length, 1);
      const input = calls[0].args[0].input;
      assert.equal(input.QueueUrl, QUEUE);
      assert.equal(input.MessageGroupId, undefined, "a standard queue takes no group id");
      const envelope = JSON.parse(input.MessageBody ?? "") as { id: string; traceparent: string };
      assert.deepEqual(validateMessage("workflow-request", envelope), []);
      assert.equal(envelope.id, requestId);
      assert.deepEqual(input.MessageAttributes, {
        traceparent: { DataType: "String", StringValue: envelope.traceparent },
      });

      // The caller's trace continues through Service A into the message.
      const [, traceId, parentId] = envelope.traceparent.split("-");
      assert.equal(traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
      const producer = (await finishedSpans()).find((span) => span.kind === SpanKind.PRODUCER);
      assert.ok(producer, "a producer span");
      assert.equal(
        producer.spanContext().spanId,
        parentId,
        "the message's parent is the producer span",
      );
      assert.equal(producer.spanContext().traceId, traceId);
      const server = (await finishedSpans()).find((span) => span.kind === SpanKind.SERVER);
      assert.equal(server?.spanContext().traceId, traceId);
    } finally {
      await s.close();
      sqs.restore();
    }
  });

  it("on a FIFO queue, groups by request and deduplicates by the idempotency key", async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: "m-2" });
    const s = await start(
      { SUBMITTER: "sqs", WORK_QUEUE_URL: `${QUEUE}.fifo`, AWS_REGION: "eu-west-1" },
      { sqs: new SQSClient({ region: "eu-west-1" }) },
    );
    try {
      const { requestId } = (await (await s.post(VALID, "fifo-1")).json()) as { requestId: string };
      const input = sqs.commandCalls(SendMessageCommand)[0].args[0].input;
      assert.equal(input.MessageGroupId, requestId);
      assert.equal(input.MessageDeduplicationId, "fifo-1");
    } finally {
      await s.close();
      sqs.restore();
    }
  });

  it("answers 503 and accepts nothing when SQS fails, and trips no breaker on a rejected message", async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).rejects(
      Object.assign(new Error("Service Unavailable"), {
        $fault: "server",
        $metadata: { httpStatusCode: 503 },
      }),
    );
    const s = await start(
      { SUBMITTER: "sqs", WORK_QUEUE_URL: QUEUE, AWS_REGION: "eu-west-1" },
      { sqs: new SQSClient({ region: "eu-west-1" }) },
    );
    try {
      const response = await s.post(VALID, "sqs-down");
      assert.equal(response.status, 503);
      assert.equal(response.headers.get("retry-after"), "1");
      sqs.reset();
      sqs.on(SendMessageCommand).resolves({ MessageId: "m-3" });
      assert.equal((await s.post(VALID, "sqs-down")).status, 202, "the key was released");
    } finally {
      await s.close();
      sqs.restore();
    }
  });
});
