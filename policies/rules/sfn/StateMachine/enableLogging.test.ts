import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { stateMachine } from "../../../fixtures/sfn";
import { violationMessages } from "../../../lib/testing";
import { acmeSfnStatemachineEnableLogging as policy } from "./enableLogging";

const FIX = 'set loggingConfiguration to { level: "ALL", logDestination: "<log group ARN>:*" }.';

describe(policy.name, () => {
  test("passes a state machine logging ALL to a log group", async () => {
    assert.deepEqual(await violationMessages(policy, stateMachine()), []);
  });

  test("reports a state machine without a logging configuration", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...stateMachine(), loggingConfiguration: undefined }),
      [`loggingConfiguration is not set, so nothing is logged; ${FIX}`],
    );
  });

  test("reports level OFF, even with a destination", async () => {
    const props = stateMachine();
    assert.deepEqual(
      await violationMessages(policy, {
        ...props,
        loggingConfiguration: { ...props.loggingConfiguration, level: "OFF" },
      }),
      [`loggingConfiguration.level is "OFF"; use ALL, ERROR or FATAL and ${FIX}`],
    );
  });

  test("reports a level without a destination", async () => {
    assert.deepEqual(
      await violationMessages(policy, {
        ...stateMachine(),
        loggingConfiguration: { level: "ERROR" },
      }),
      [`loggingConfiguration.logDestination is not set; ${FIX}`],
    );
  });
});
