import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { eksCluster } from "../../../fixtures/eks";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeEksClusterEnableControlPlaneLogging as policy } from "./enableControlPlaneLogging";

const ENABLE_ALL = "enable api, audit, authenticator, controllerManager, scheduler.";

describe(policy.name, () => {
  test("passes a cluster with all five log types", async () => {
    assert.deepEqual(await violationMessages(policy, eksCluster()), []);
  });

  test("reports a cluster without control-plane logging", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...eksCluster(), enabledClusterLogTypes: undefined }),
      [
        "enabledClusterLogTypes is not set and lacks api, audit, authenticator, " +
          `controllerManager, scheduler; ${ENABLE_ALL}`,
      ],
    );
  });

  test("reports the log types that are missing", async () => {
    const cluster = eksCluster();
    cluster.enabledClusterLogTypes = ["api", "audit", "controllerManager"];
    assert.deepEqual(await violationMessages(policy, cluster), [
      'enabledClusterLogTypes is ["api","audit","controllerManager"] and lacks authenticator, ' +
        `scheduler; ${ENABLE_ALL}`,
    ]);
  });

  test("leaves an unknown log type list undecided instead of reporting it", async () => {
    const cluster = eksCluster();
    cluster.enabledClusterLogTypes = unknownValue<string[]>("array");
    const result = await evaluateProps(policy, cluster);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["Array value at .enabledClusterLogTypes can't be known during preview"],
    );
  });
});
