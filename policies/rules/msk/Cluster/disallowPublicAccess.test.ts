import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mskCluster } from "../../../fixtures/msk";
import { violationMessages } from "../../../lib/testing";
import { acmeMskClusterDisallowPublicAccess as policy } from "./disallowPublicAccess";

describe(policy.name, () => {
  test("passes public access DISABLED", async () => {
    assert.deepEqual(await violationMessages(policy, mskCluster()), []);
  });

  test("reports brokers with public addresses", async () => {
    const cluster = mskCluster();
    cluster.brokerNodeGroupInfo.connectivityInfo = {
      publicAccess: { type: "SERVICE_PROVIDED_EIPS" },
    };
    assert.deepEqual(await violationMessages(policy, cluster), [
      'brokerNodeGroupInfo.connectivityInfo.publicAccess.type is "SERVICE_PROVIDED_EIPS"; set ' +
        'it to "DISABLED" so brokers have no public addresses.',
    ]);
  });
});
