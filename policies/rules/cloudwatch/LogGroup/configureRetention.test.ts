import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { logGroup } from "../../../fixtures/cloudwatch";
import { violationMessages } from "../../../lib/testing";
import { acmeCloudwatchLoggroupConfigureRetention as policy } from "./configureRetention";

describe(policy.name, () => {
  test("passes a year's retention and never-expiring groups", async () => {
    assert.deepEqual(await violationMessages(policy, logGroup()), []);
    assert.deepEqual(await violationMessages(policy, { ...logGroup(), retentionInDays: 0 }), []);
  });

  test("reports a shorter retention", async () => {
    assert.deepEqual(await violationMessages(policy, { ...logGroup(), retentionInDays: 30 }), [
      "retentionInDays is 30; keep events at least 365 days.",
    ]);
  });

  test("dev and staging lower the floor to their retention, prod keeps the year", () => {
    const floor = (stack: string): unknown => {
      const file = path.join(__dirname, "..", "..", "..", "config", `${stack}.json`);
      const config = JSON.parse(fs.readFileSync(file, "utf8")) as Record<
        string,
        { minimumRetentionDays?: number }
      >;
      return config[policy.name]?.minimumRetentionDays;
    };
    assert.deepEqual([floor("dev"), floor("staging"), floor("prod")], [30, 90, undefined]);
  });
});
