import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mskCluster } from "../../../fixtures/msk";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeMskClusterEnableInClusterEncryption as policy } from "./enableInClusterEncryption";

describe(policy.name, () => {
  test("passes a cluster that encrypts traffic between brokers", async () => {
    assert.deepEqual(await violationMessages(policy, mskCluster()), []);
  });

  test("reports inCluster set to false", async () => {
    const cluster = mskCluster();
    cluster.encryptionInfo.encryptionInTransit.inCluster = false;
    assert.deepEqual(await violationMessages(policy, cluster), [
      "encryptionInfo.encryptionInTransit.inCluster is false; set it to true so brokers " +
        "replicate to each other over TLS.",
    ]);
  });

  test("passes an unset inCluster, which the API defaults to true", async () => {
    const cluster = mskCluster();
    cluster.encryptionInfo.encryptionInTransit.inCluster = undefined;
    assert.deepEqual(await violationMessages(policy, cluster), []);
  });

  test("leaves an unknown inCluster undecided instead of reporting it", async () => {
    const cluster = mskCluster();
    cluster.encryptionInfo.encryptionInTransit.inCluster = unknownValue<boolean>("boolean");
    const result = await evaluateProps(policy, cluster);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      [
        "boolean value at .encryptionInfo.encryptionInTransit.inCluster can't be known during preview",
      ],
    );
  });
});
