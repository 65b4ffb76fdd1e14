import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cluster } from "../../../fixtures/ecs";
import { evaluateProps, violationMessages } from "../../../lib/testing";
import { acmeEcsClusterEnableContainerInsights as policy } from "./enableContainerInsights";

const FIX = 'add { name: "containerInsights", value: "enabled" } (or "enhanced") to settings.';

describe(policy.name, () => {
  test("passes Container Insights enabled or enhanced", async () => {
    assert.deepEqual(await violationMessages(policy, cluster()), []);
    assert.deepEqual(
      await violationMessages(policy, {
        ...cluster(),
        settings: [{ name: "containerInsights", value: "enhanced" }],
      }),
      [],
    );
  });

  test("reports Container Insights disabled, as advisory", async () => {
    const result = await evaluateProps(policy, {
      ...cluster(),
      settings: [{ name: "containerInsights", value: "disabled" }],
    });
    assert.deepEqual(
      result.violations.map((v) => [v.enforcementLevel, v.message]),
      [["advisory", `settings containerInsights is "disabled"; ${FIX}`]],
    );
  });

  test("reports a cluster without the setting, which follows the account default", async () => {
    assert.deepEqual(await violationMessages(policy, { ...cluster(), settings: undefined }), [
      `settings containerInsights is not set; ${FIX}`,
    ]);
  });
});
