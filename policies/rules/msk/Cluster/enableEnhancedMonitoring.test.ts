import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mskCluster } from "../../../fixtures/msk";
import { violationMessages } from "../../../lib/testing";
import { acmeMskClusterEnableEnhancedMonitoring as policy } from "./enableEnhancedMonitoring";

describe(policy.name, () => {
  test("passes topic-level monitoring", async () => {
    const cluster = { ...mskCluster(), enhancedMonitoring: "PER_TOPIC_PER_BROKER" };
    assert.deepEqual(await violationMessages(policy, cluster), []);
  });

  test("reports the DEFAULT level", async () => {
    const cluster = { ...mskCluster(), enhancedMonitoring: "DEFAULT" };
    assert.deepEqual(await violationMessages(policy, cluster), [
      'enhancedMonitoring is "DEFAULT"; set it to "PER_TOPIC_PER_BROKER" or "PER_TOPIC_PER_PARTITION".',
    ]);
  });
});
