import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mskCluster } from "../../../fixtures/msk";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeMskClusterEnforceClientBrokerTls as policy } from "./enforceClientBrokerTls";

const FIX =
  'set it to "TLS" so clients can only connect encrypted: TLS_PLAINTEXT and PLAINTEXT open the ' +
  "plaintext listener on port 9092.";

describe(policy.name, () => {
  test("passes a cluster with client-broker TLS", async () => {
    assert.deepEqual(await violationMessages(policy, mskCluster()), []);
  });

  test("reports TLS_PLAINTEXT, naming the value", async () => {
    const cluster = mskCluster();
    cluster.encryptionInfo.encryptionInTransit.clientBroker = "TLS_PLAINTEXT";
    assert.deepEqual(await violationMessages(policy, cluster), [
      `encryptionInfo.encryptionInTransit.clientBroker is "TLS_PLAINTEXT"; ${FIX}`,
    ]);
  });

  test("reports PLAINTEXT, naming the value", async () => {
    const cluster = mskCluster();
    cluster.encryptionInfo.encryptionInTransit.clientBroker = "PLAINTEXT";
    assert.deepEqual(await violationMessages(policy, cluster), [
      `encryptionInfo.encryptionInTransit.clientBroker is "PLAINTEXT"; ${FIX}`,
    ]);
  });

  test("passes an unset clientBroker, which the API defaults to TLS", async () => {
    const cluster = mskCluster();
    cluster.encryptionInfo.encryptionInTransit.clientBroker = undefined;
    assert.deepEqual(await violationMessages(policy, cluster), []);
    assert.deepEqual(
      await violationMessages(policy, { ...mskCluster(), encryptionInfo: undefined }),
      [],
    );
  });

  test("leaves an unknown clientBroker undecided instead of reporting it", async () => {
    const cluster = mskCluster();
    cluster.encryptionInfo.encryptionInTransit.clientBroker = unknownValue<string>("string");
    const result = await evaluateProps(policy, cluster);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      [
        "string value at .encryptionInfo.encryptionInTransit.clientBroker can't be known during preview",
      ],
    );
  });
});
