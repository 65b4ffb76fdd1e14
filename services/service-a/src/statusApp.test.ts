import * as assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { workflowName } from "@acme/contracts";
import { mockClient } from "aws-sdk-client-mock";
import { buildServiceA } from "./app";
import { readConfig } from "./config";
import { FakeKubernetesApi, fixture } from "./fakeKubernetesApi";

const ENDPOINT = "/v1/workflow-requests";
const TEMPLATE = "service-a-request";
const BODY = { workflowTemplate: "nightly-report", parameters: { reportDate: "2026-03-13" } };

async function start(env: Record<string, string>, deps: Parameters<typeof buildServiceA>[1] = {}) {
  const config = readConfig({ LOG_LEVEL: "error", ...env });
  const service = buildServiceA(config, { env, ...deps });
  await service.app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
  // A client-side deadline on every call: a hang fails the test instead of stalling it.
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
  const submit = async (key: string) => {
    const response = await call(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify(BODY),
    });
    assert.equal(response.status, 202);
    return (await response.json()) as { requestId: string; statusUrl: string };
  };
  const close = async () => {
    service.breakers.forEach((b) => b.shutdown());
    await service.app.close();
  };
  return { service, call, submit, close };
}

/** The recorded Workflow for a request Service A accepted: the sensor's name and arguments. */
function workflowFor(phase: string, key: string, requestId: string) {
  const workflow = fixture(`workflow-${phase}`);
  workflow.metadata!.name = workflowName(TEMPLATE, key);
  workflow.spec!.arguments!.parameters![0].value = requestId;
  return workflow;
}
const pathOf = (key: string) =>
  `/apis/argoproj.io/v1alpha1/namespaces/workflows/workflows/${workflowName(TEMPLATE, key)}`;

describe("GET /v1/workflow-requests/{requestId} with WORKFLOW_ENGINE=argo", () => {
  const api = new FakeKubernetesApi();
  let env: Record<string, string>;
  before(async () => {
    await api.start();
    env = {
      WORKFLOW_ENGINE: "argo",
      ARGO_NAMESPACE: "workflows",
      ARGO_WORKFLOW_TEMPLATE: TEMPLATE,
      KUBERNETES_SERVICE_HOST: "localhost",
      KUBERNETES_SERVICE_PORT: String(api.port),
      KUBERNETES_SERVICE_ACCOUNT_DIR: api.serviceAccountDir(),
    };
  });
  after(() => api.close());

  it("answers the Workflow's phase: accepted before the sensor submits it, then running, then succeeded", async () => {
    const s = await start(env);
    try {
      const { requestId, statusUrl } = await s.submit("report-2026-03-13");
      const read = async () => {
        const response = await s.call(statusUrl);
        assert.equal(response.status, 200);
        return (await response.json()) as Record<string, string>;
      };
      const first = await read();
      assert.equal(first.status, "accepted", "404 from the API: the sensor has not submitted it");
      assert.equal(first.updatedAt, first.submittedAt);

      api.answers.set(pathOf("report-2026-03-13"), {
        status: 200,
        body: workflowFor("running", "report-2026-03-13", requestId),
      });
      const running = await read();
      assert.deepEqual(
        { status: running.status, updatedAt: running.updatedAt, requestId: running.requestId },
        { status: "running", updatedAt: "2026-03-14T02:00:02.000Z", requestId },
      );
      assert.deepEqual(Object.keys(running).sort(), [
        "priority",
        "requestId",
        "status",
        "submittedAt",
        "updatedAt",
        "workflowTemplate",
      ]);

      api.answers.set(pathOf("report-2026-03-13"), {
        status: 200,
        body: workflowFor("failed", "report-2026-03-13", requestId),
      });
      assert.equal((await read()).status, "failed");
      assert.ok(
        api.requests.every((r) => r.authorization === `Bearer ${api.token}`),
        "every read carries the service account's token",
      );
    } finally {
      await s.close();
    }
  });

  it("answers 404 for an unknown request without asking the engine", async () => {
    const s = await start(env);
    try {
      const asked = api.requests.length;
      const response = await s.call(`${ENDPOINT}/0f8fad5b-d9cb-469f-a165-70867728950e`);
      assert.equal(response.status, 404);
      assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
      assert.equal(api.requests.length, asked);
    } finally {
      await s.close();
    }
  });

  it("with the engine down: 503 problem+json with Retry-After, then the open breaker answers without asking; submissions and /readyz go on", async () => {
    const s = await start({
      ...env,
      // Nothing listens on port 1: every read fails at once.
      KUBERNETES_SERVICE_PORT: "1",
      BREAKER_WORKFLOW_ENGINE_VOLUME_THRESHOLD: "3",
      BREAKER_WORKFLOW_ENGINE_RESET_TIMEOUT_MS: "30000",
    });
    try {
      const { statusUrl } = await s.submit("report-down");
      for (let i = 0; i < 3; i++) {
        const response = await s.call(statusUrl);
        assert.equal(response.status, 503);
        assert.equal(
          response.headers.get("content-type"),
          "application/problem+json; charset=utf-8",
        );
        const p = (await response.json()) as { type: string; detail: string };
        assert.equal(p.type, "https://contracts.acme.example/problems/dependency-unavailable");
        assert.match(p.detail, /^workflow-engine is unavailable/);
        assert.equal(response.headers.get("retry-after"), i < 2 ? "1" : "30");
      }
      const engine = s.service.breakers.find((b) => b.name === "workflow-engine");
      assert.equal(engine?.state(), "open");
      const open = await s.call(statusUrl);
      assert.equal(open.status, 503);
      assert.match(((await open.json()) as { detail: string }).detail, /\(open\)/);
      assert.ok(Number(open.headers.get("retry-after")) >= 29);
      assert.equal((await s.call("/readyz")).status, 200, "the engine's breaker is not required");
      await s.submit("report-still-accepted");
    } finally {
      await s.close();
    }
  });
});

describe("GET /v1/workflow-requests/{requestId} with WORKFLOW_ENGINE=step-functions", () => {
  const STATE_MACHINE =
    "arn:aws:states:eu-west-1:111122223333:stateMachine:acme-prod-service-a-request";
  const REQUEST_ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
  const env = {
    WORKFLOW_ENGINE: "step-functions",
    STATE_MACHINE_ARN: STATE_MACHINE,
    REQUEST_STORE: "dynamodb",
    REQUEST_TABLE: "acme-prod-service-a-requests",
    AWS_REGION: "eu-west-1",
  };
  const recorded = {
    requestId: REQUEST_ID,
    workflowTemplate: "nightly-report",
    priority: "normal",
    status: "accepted",
    submittedAt: "2026-03-14T02:00:00.000Z",
    updatedAt: "2026-03-14T02:00:00.000Z",
  };

  it("describes the execution the request's record names; accepted until one has", async () => {
    const ddb = mockClient(DynamoDBClient);
    const sfn = mockClient(SFNClient);
    const s = await start(env, {
      dynamodb: new DynamoDBClient({ region: "eu-west-1" }),
      sfn: new SFNClient({ region: "eu-west-1" }),
    });
    try {
      const item = {
        pk: { S: `req#${REQUEST_ID}` },
        status: { S: JSON.stringify(recorded) },
        idempotencyKey: { S: "nightly-report:2026-03-13" },
      };
      ddb.on(GetItemCommand).resolves({ Item: item });
      const before = (await (await s.call(`${ENDPOINT}/${REQUEST_ID}`)).json()) as {
        status: string;
      };
      assert.equal(before.status, "accepted");
      assert.equal(sfn.commandCalls(DescribeExecutionCommand).length, 0);

      ddb.on(GetItemCommand).resolves({ Item: { ...item, executionName: { S: "e-1" } } });
      sfn.on(DescribeExecutionCommand).resolves({
        executionArn: `${STATE_MACHINE.replace(":stateMachine:", ":execution:")}:e-1`,
        stateMachineArn: STATE_MACHINE,
        status: "TIMED_OUT",
        startDate: new Date("2026-03-14T02:00:02.413Z"),
        stopDate: new Date("2026-03-14T03:00:02.413Z"),
      });
      const after = (await (await s.call(`${ENDPOINT}/${REQUEST_ID}`)).json()) as Record<
        string,
        string
      >;
      assert.deepEqual(after, {
        ...recorded,
        status: "failed",
        updatedAt: "2026-03-14T03:00:02.413Z",
      });
      assert.equal(
        sfn.commandCalls(DescribeExecutionCommand)[0].args[0].input.executionArn,
        "arn:aws:states:eu-west-1:111122223333:execution:acme-prod-service-a-request:e-1",
      );

      ddb.on(GetItemCommand).resolves({});
      assert.equal((await s.call(`${ENDPOINT}/${REQUEST_ID}`)).status, 404);
    } finally {
      await s.close();
      ddb.restore();
      sfn.restore();
    }
  });
});
