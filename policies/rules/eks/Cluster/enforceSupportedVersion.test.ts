import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { eksCluster } from "../../../fixtures/eks";
import { violationMessages } from "../../../lib/testing";
import { acmeEksClusterEnforceSupportedVersion as policy } from "./enforceSupportedVersion";

describe(policy.name, () => {
  test("passes the oldest supported version and newer ones", async () => {
    assert.deepEqual(await violationMessages(policy, eksCluster()), []);
    assert.deepEqual(await violationMessages(policy, { ...eksCluster(), version: "1.34" }), []);
  });

  test("reports an older version and an unset one", async () => {
    assert.deepEqual(await violationMessages(policy, { ...eksCluster(), version: "1.29" }), [
      'version is "1.29"; pin a Kubernetes version EKS supports, 1.33 or newer.',
    ]);
    assert.deepEqual(await violationMessages(policy, { ...eksCluster(), version: undefined }), [
      "version is not set; pin a Kubernetes version EKS supports, 1.33 or newer.",
    ]);
  });

  test("takes the oldest supported version from config", async () => {
    assert.deepEqual(
      await violationMessages(policy, eksCluster(), { oldestSupportedVersion: "1.34" }),
      ['version is "1.33"; pin a Kubernetes version EKS supports, 1.34 or newer.'],
    );
  });
});
