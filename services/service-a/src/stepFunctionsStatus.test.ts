import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, it } from "node:test";
import {
  DescribeExecutionCommand,
  SFNClient,
  type DescribeExecutionCommandOutput,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import type { StoredRequest } from "./model";
import { UnknownEngineStatusError } from "./status";
import { StepFunctionsStatusSource } from "./stepFunctionsStatus";

const STATE_MACHINE =
  "arn:aws:states:eu-west-1:111122223333:stateMachine:acme-prod-service-a-request";
const EXECUTION = "4f3c1b9e-7a2d-4c65-9a51-0d9c1f7e2b10";
const EXECUTION_ARN = `arn:aws:states:eu-west-1:111122223333:execution:acme-prod-service-a-request:${EXECUTION}`;

/** A recorded DescribeExecution answer, its epoch-second dates as the SDK deserializes them. */
function recorded(status: string): DescribeExecutionCommandOutput {
  const file = path.join(
    __dirname,
    "testdata",
    "step-functions",
    `describe-execution-${status}.json`,
  );
  const wire = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  const date = (v: unknown) => (typeof v === "number" ? new Date(v * 1000) : undefined);
  return {
    ...wire,
    startDate: date(wire.startDate),
    ...(wire.stopDate !== undefined ? { stopDate: date(wire.stopDate) } : {}),
    $metadata: { httpStatusCode: 200 },
  } as DescribeExecutionCommandOutput;
}

const REQUEST: StoredRequest = {
  status: {
    requestId: "0f8fad5b-d9cb-469f-a165-70867728950e",
    workflowTemplate: "nightly-report",
    priority: "normal",
    status: "accepted",
    submittedAt: "2026-03-14T02:00:00.000Z",
    updatedAt: "2026-03-14T02:00:00.000Z",
  },
  idempotencyKey: "nightly-report:2026-03-13",
  executionName: EXECUTION,
};

describe("StepFunctionsStatusSource", () => {
  const sfn = mockClient(SFNClient);
  const source = new StepFunctionsStatusSource(
    new SFNClient({ region: "eu-west-1" }),
    STATE_MACHINE,
  );
  afterEach(() => sfn.reset());

  const cases: [string, string, string][] = [
    ["running", "running", "2026-03-14T02:00:02.413Z"],
    ["succeeded", "succeeded", "2026-03-14T02:00:11.902Z"],
    ["failed", "failed", "2026-03-14T02:00:40.118Z"],
    ["timed-out", "failed", "2026-03-14T03:00:02.413Z"],
    ["aborted", "failed", "2026-03-14T02:01:40.500Z"],
  ];
  for (const [file, status, updatedAt] of cases) {
    it(`maps describe-execution-${file}.json to ${status} at ${updatedAt}`, async () => {
      sfn.on(DescribeExecutionCommand).resolves(recorded(file));
      assert.deepEqual(await source.status(REQUEST), { status, updatedAt });
      const calls = sfn.commandCalls(DescribeExecutionCommand);
      assert.equal(calls.length, 1);
      assert.deepEqual(calls[0].args[0].input, {
        executionArn: EXECUTION_ARN,
        includedData: "METADATA_ONLY",
      });
    });
  }

  it("reports a redriven execution as running since its redrive", async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      ...recorded("failed"),
      status: "PENDING_REDRIVE",
      redriveDate: new Date("2026-03-14T02:05:00.000Z"),
    } as DescribeExecutionCommandOutput);
    assert.deepEqual(await source.status(REQUEST), {
      status: "running",
      updatedAt: "2026-03-14T02:05:00.000Z",
    });
  });

  it("answers accepted, asking nothing, until an execution has recorded its name", async () => {
    const { executionName: _, ...notStarted } = REQUEST;
    assert.deepEqual(await source.status(notStarted), { status: "accepted" });
    assert.equal(sfn.commandCalls(DescribeExecutionCommand).length, 0);
  });

  it("fails on a status it does not know, naming it", async () => {
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ ...recorded("running"), status: "PAUSED" as "RUNNING" });
    await assert.rejects(
      source.status(REQUEST),
      (e: unknown) => e instanceof UnknownEngineStatusError && /"PAUSED"/.test(e.message),
    );
  });

  it("passes Step Functions errors on (the breaker counts throttling and faults)", async () => {
    sfn.on(DescribeExecutionCommand).rejects(
      Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await assert.rejects(source.status(REQUEST), /Rate exceeded/);
  });

  it("refuses a value that is not a state machine ARN when built", () => {
    assert.throws(
      () => new StepFunctionsStatusSource(new SFNClient({ region: "eu-west-1" }), "acme-request"),
      /"acme-request" is not a state machine ARN/,
    );
  });
});
