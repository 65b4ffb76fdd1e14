import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { table } from "../../../fixtures/dynamodb";
import { violationMessages } from "../../../lib/testing";
import { acmeDynamodbTableEnablePointInTimeRecovery as policy } from "./enablePointInTimeRecovery";

const MESSAGE = (value: string) =>
  `pointInTimeRecovery.enabled is ${value}; set pointInTimeRecovery to { enabled: true } so the ` +
  "table can be restored to any second of the recovery period.";

describe(policy.name, () => {
  test("passes a table with point-in-time recovery", async () => {
    assert.deepEqual(await violationMessages(policy, table()), []);
  });

  test("reports a table without the pointInTimeRecovery block (off by default)", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...table(), pointInTimeRecovery: undefined }),
      [MESSAGE("not set")],
    );
  });

  test("reports point-in-time recovery turned off", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...table(), pointInTimeRecovery: { enabled: false } }),
      [MESSAGE("false")],
    );
  });
});
