import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { stateMachine } from "../../../fixtures/sfn";
import { violationMessages } from "../../../lib/testing";
import { acmeSfnStatemachineEnableXrayTracing as policy } from "./enableXrayTracing";

const FIX = "set tracingConfiguration to { enabled: true }.";

describe(policy.name, () => {
  test("passes a traced state machine", async () => {
    assert.deepEqual(await violationMessages(policy, stateMachine()), []);
  });

  test("reports tracing off", async () => {
    assert.deepEqual(
      await violationMessages(policy, {
        ...stateMachine(),
        tracingConfiguration: { enabled: false },
      }),
      [`tracingConfiguration.enabled is false; ${FIX}`],
    );
  });

  test("reports a state machine that leaves tracing unset, which means off", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...stateMachine(), tracingConfiguration: undefined }),
      [`tracingConfiguration.enabled is not set; ${FIX}`],
    );
  });
});
