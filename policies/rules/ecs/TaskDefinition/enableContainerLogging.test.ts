import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { container, taskDefinition } from "../../../fixtures/ecs";
import { violationMessages } from "../../../lib/testing";
import { acmeEcsTaskdefinitionEnableContainerLogging as policy } from "./enableContainerLogging";

const FIX =
  'set logConfiguration to { logDriver: "awslogs", options: { "awslogs-group": ..., "awslogs-region": ..., "awslogs-stream-prefix": ... } } (or use awsfirelens).';

describe(policy.name, () => {
  test("passes a container logging with awslogs", async () => {
    assert.deepEqual(await violationMessages(policy, taskDefinition()), []);
  });

  test("passes a container logging through FireLens", async () => {
    const firelens = { ...container(), logConfiguration: { logDriver: "awsfirelens" as const } };
    assert.deepEqual(await violationMessages(policy, taskDefinition([firelens])), []);
  });

  test("reports a container without a log configuration", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        taskDefinition([container(), { ...container("sidecar"), logConfiguration: undefined }]),
      ),
      [`container "sidecar": logConfiguration is not set, so its output is lost; ${FIX}`],
    );
  });

  test("reports another log driver", async () => {
    const splunk = { ...container(), logConfiguration: { logDriver: "splunk" as const } };
    assert.deepEqual(await violationMessages(policy, taskDefinition([splunk])), [
      `container "main": logConfiguration.logDriver is "splunk"; ${FIX}`,
    ]);
  });
});
